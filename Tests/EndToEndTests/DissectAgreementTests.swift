import Foundation
import Testing

/// `srtpdump dissect --format json` against tshark, an independent dissector: for every frame, the
/// addresses and ports, and for every RTP frame the sequence number, timestamp and SSRC, must be what
/// `tshark -T fields` prints. tshark is told which UDP ports carry RTP (`-d udp.port==N,rtp`) or uses its
/// RTP heuristic, and only frames that both tools call RTP are compared field by field; the number of
/// RTP frames must agree too.
@Suite(.enabled(if: Paths.tsharkPresent, "tshark is not installed: `make test` installs it (apt package tshark)"))
struct DissectAgreementTests {
    struct Row: Equatable, CustomStringConvertible {
        var frame: Int
        var src: String
        var dst: String
        var srcPort: String
        var dstPort: String
        var rtp: String  // "seq/timestamp/ssrc" or ""
        var description: String { "#\(frame) \(src):\(srcPort) → \(dst):\(dstPort) rtp[\(rtp)]" }
    }

    static func tsharkRows(_ capture: URL, decodeAs: [String]) throws -> [Row] {
        var args = ["-r", capture.path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
        for d in decodeAs { args += d == "heuristic" ? ["--enable-heuristic", "rtp_udp"] : ["-d", d] }
        for f in ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "udp.srcport", "udp.dstport", "rtp.seq", "rtp.timestamp", "rtp.ssrc", "icmp.type", "icmpv6.type"] {
            args += ["-e", f]
        }
        let r = try tshark(args)
        #expect(r.status == 0, "tshark failed: \(r.errorText)")
        return r.text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let v = f + Array(repeating: "", count: max(0, 12 - f.count))
            // ICMP errors quote the offending IP/UDP header: tshark shows its ports, srtpdump (which does
            // not decode ICMP) none. Addresses are the outer header's in both (first occurrence).
            let icmp = !(v[10].isEmpty && v[11].isEmpty)
            let rtp = v[7].isEmpty ? "" : "\(v[7])/\(v[8])/\(UInt32(v[9].dropFirst(2), radix: 16).map { String($0) } ?? v[9])"
            return Row(
                frame: Int(v[0]) ?? -1, src: v[1].isEmpty ? v[2] : v[1], dst: v[3].isEmpty ? v[4] : v[3],
                srcPort: icmp ? "" : v[5], dstPort: icmp ? "" : v[6], rtp: rtp)
        }
    }

    static func ourRows(_ capture: URL) throws -> [Row] {
        let r = try srtpdump("dissect", capture.path, "--format", "json")
        #expect(r.status == 0, "srtpdump failed: \(r.errorText)")
        return try jsonLines(r.stdout).compactMap { obj -> Row? in
            guard let n = obj["frame"] as? Int else { return nil }  // file-level diagnostics have no frame
            let ip = obj["ip"] as? [String: Any]
            let udp = obj["udp"] as? [String: Any]
            var rtp = ""
            if let h = obj["rtp"] as? [String: Any], let seq = h["seq"] as? Int, let ts = h["timestamp"] as? Int,
                let ssrc = (h["ssrc"] as? String).flatMap({ UInt32($0.dropFirst(2), radix: 16) })
            {
                rtp = "\(seq)/\(ts)/\(ssrc)"
            }
            return Row(
                frame: n, src: ip?["src"] as? String ?? "", dst: ip?["dst"] as? String ?? "",
                srcPort: (udp?["src_port"] as? Int).map(String.init) ?? "",
                dstPort: (udp?["dst_port"] as? Int).map(String.init) ?? "", rtp: rtp)
        }
    }

    static func compare(_ capture: URL, decodeAs: [String], expectedFrames: Int? = nil) throws {
        let theirs = try tsharkRows(capture, decodeAs: decodeAs)
        let ours = try ourRows(capture)
        #expect(ours.count == theirs.count, "frame count: ours \(ours.count), tshark \(theirs.count)")
        if let expectedFrames { #expect(ours.count == expectedFrames) }
        var rtpBoth = 0, mismatches = 0
        for (o, t) in zip(ours, theirs) {
            var tt = t
            if o.rtp.isEmpty != t.rtp.isEmpty {
                // Only frames both call RTP are compared field by field; counted below.
                tt.rtp = o.rtp
            } else if !o.rtp.isEmpty {
                rtpBoth += 1
            }
            if o != tt {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(capture.lastPathComponent): ours \(o) ≠ tshark \(t)") }
            }
        }
        let ourRTP = ours.filter { !$0.rtp.isEmpty }.count
        let theirRTP = theirs.filter { !$0.rtp.isEmpty }.count
        #expect(ourRTP == theirRTP, "\(capture.lastPathComponent): RTP frames ours \(ourRTP), tshark \(theirRTP)")
        #expect(rtpBoth == theirRTP)
    }

    static let linkTypeCaptures = [
        "ethernet.pcap", "ethernet-nanosecond.pcap", "ethernet-8021q.pcap", "ethernet-qinq.pcap", "linux-sll.pcap",
        "linux-sll2.pcap", "raw-ip.pcap", "ipv4.pcap", "ipv6.pcap", "null.pcap", "loop.pcap", "multi-interface.pcapng",
    ]

    @Test(arguments: linkTypeCaptures)
    func linkTypeCaptureAgreesWithTshark(_ name: String) throws {
        let url = Paths.captures.appendingPathComponent("linktypes").appendingPathComponent(name)
        try Self.compare(url, decodeAs: ["udp.port==50000,rtp"])
    }

    @Test(.enabled(if: Paths.sharedPresent, "../shared/captures/public is absent: public captures not checked"))
    func marseillaiseAgreesWithTshark() throws {
        try Self.compare(
            Paths.publicCapture("gteissier-marseillaise-srtp.pcap"), decodeAs: ["udp.port==10000,rtp"],
            expectedFrames: 11_888)
    }

    @Test(
        .enabled(if: Paths.sharedPresent, "../shared/captures/public is absent: public captures not checked"),
        arguments: ["dsrtp-av.pcap", "veon-WebRTC_PCMA_p2p_SDES_Call_1.pcap"])
    func publicWebRTCCaptureAgreesWithTshark(_ name: String) throws {
        try Self.compare(Paths.publicCapture(name), decodeAs: ["heuristic"])
    }
}
