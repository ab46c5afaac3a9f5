import Analysis
import Capture
import Datagrams
import Foundation
import SRTPDump
import Synth
import TestSupport
import Testing
import Transforms

/// RTP and RTCP over TCP, framed per RFC 4571 (a 2-byte length before each packet), encrypted by libsrtp
/// (the independent sender), in a capture made here: a TCP handshake, then A sends 30 SRTP packets, one
/// per segment, B acknowledges each, and every tenth packet B sends an SRTCP receiver report that A
/// acknowledges. Decrypted, the connection must stay consistent: each segment's length field, IP length
/// and TCP checksum fixed, and every later sequence and acknowledgment number renumbered.
@Suite struct RTPOverTCPTests {
    static let keyAndSalt: [UInt8] = Array(100..<130)
    static let a = Synth.Endpoint(address: [10, 0, 0, 1], port: 40000)
    static let b = Synth.Endpoint(address: [10, 0, 0, 2], port: 50000)
    static let ssrcA: UInt32 = 0x1111_2222
    static let ssrcB: UInt32 = 0x3333_4444

    struct Built {
        var path: String
        /// Plaintext RTP/RTCP by frame number.
        var plaintext: [Int: [UInt8]]
        var frames: Int
    }

    static func rtp(seq: UInt16, ts: UInt32) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x00, UInt8(seq >> 8), UInt8(seq & 0xFF)]
        p += [UInt8(ts >> 24), UInt8(ts >> 16 & 0xFF), UInt8(ts >> 8 & 0xFF), UInt8(ts & 0xFF)]
        p += [0x11, 0x11, 0x22, 0x22]
        p += (0..<160).map { UInt8(truncatingIfNeeded: Int(seq) &* 7 &+ $0) }
        return p
    }

    /// RFC 3550 §6.4.2: an RR with no report blocks, then SDES with a CNAME (a compound packet, §6.1).
    static func receiverReport() -> [UInt8] {
        var p: [UInt8] = [0x80, 201, 0, 1, 0x33, 0x33, 0x44, 0x44]
        let cname = Array("b@example".utf8)
        var sdes: [UInt8] = [0x81, 202, 0, 0, 0x33, 0x33, 0x44, 0x44, 1, UInt8(cname.count)] + cname + [0]
        while sdes.count % 4 != 0 { sdes.append(0) }
        sdes[3] = UInt8(sdes.count / 4 - 1)
        p += sdes
        return p
    }

    static func framed(_ packet: [UInt8]) -> [UInt8] {
        [UInt8(packet.count >> 8), UInt8(packet.count & 0xFF)] + packet
    }

    static func build() throws -> Built {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rfc4571-\(UUID().uuidString).pcap")
            .path
        let capture = try TCPSegmentCapture(path: path)
        let sessionA = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: keyAndSalt)])
        try sessionA.addStream(ssrc: ssrcA)
        let sessionB = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: keyAndSalt)])
        try sessionB.addStream(ssrc: ssrcB)
        var plaintext: [Int: [UInt8]] = [:]
        var seqA: UInt32 = 1000
        var seqB: UInt32 = 5000
        func send(
            _ from: Synth.Endpoint, _ to: Synth.Endpoint, seq: UInt32, ack: UInt32, flags: Synth.TCPFlags,
            _ payload: [UInt8]
        ) throws { try capture.send(from, to, seq: seq, ack: ack, flags: flags, payload) }
        try send(a, b, seq: seqA - 1, ack: 0, flags: .syn, [])
        try send(b, a, seq: seqB - 1, ack: seqA, flags: [.syn, .ack], [])
        try send(a, b, seq: seqA, ack: seqB, flags: .ack, [])
        for i in 0..<30 {
            let plain = rtp(seq: UInt16(9000 + i), ts: 160 * UInt32(i))
            let payload = framed(try sessionA.protect(plain, rtcp: false))
            try send(a, b, seq: seqA, ack: seqB, flags: [.ack, .psh], payload)
            plaintext[capture.frames] = plain
            seqA &+= UInt32(payload.count)
            try send(b, a, seq: seqB, ack: seqA, flags: .ack, [])
            if i % 10 == 9 {
                let rr = receiverReport()
                let rrPayload = framed(try sessionB.protect(rr, rtcp: true))
                try send(b, a, seq: seqB, ack: seqA, flags: [.ack, .psh], rrPayload)
                plaintext[capture.frames] = rr
                seqB &+= UInt32(rrPayload.count)
                try send(a, b, seq: seqA, ack: seqB, flags: .ack, [])
            }
        }
        try capture.close()
        return Built(path: path, plaintext: plaintext, frames: capture.frames)
    }

    /// RFC 9293 §3.1 checksum over the pseudo-header, computed here independently of Datagrams.
    static func tcpChecksumHolds(_ ip: [UInt8]) -> Bool {
        let ihl = Int(ip[0] & 0x0F) * 4
        let total = Int(ip[2]) << 8 | Int(ip[3])
        let segment = Array(ip[ihl..<total])
        var sum: UInt32 = 0
        var bytes = Array(ip[12..<20]) + [0, 6, UInt8(segment.count >> 8), UInt8(segment.count & 0xFF)] + segment
        if bytes.count % 2 == 1 { bytes.append(0) }
        for i in stride(from: 0, to: bytes.count, by: 2) { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return sum == 0xFFFF
    }

    @Test func decryptsAndRenumbersTheConnection() throws {
        let built = try Self.build()
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rfc4571-out-\(UUID().uuidString).pcap")
            .path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80,
            keys: [Transforms.MasterKey(key: Array(Self.keyAndSalt[0..<16]), salt: Array(Self.keyAndSalt[16...]))])
        var options = DecryptPipeline.Options(capturePath: built.path)
        options.outputPath = out
        options.progress = false
        options.keys = StaticTrialKeys(entries: [.init(TrialKey(id: "k", material: .srtp(policy), source: "--key #1"))])
        let summary = try DecryptPipeline(options: options).run(
            output: nil, errors: OutputStream(path: "/dev/null"), record: true)

        #expect(summary.frames == built.frames)
        let authenticated = summary.records.filter { $0.status == .authenticated }.map(\.frame)
        #expect(authenticated == built.plaintext.keys.sorted())
        let rtp = try #require(summary.streams.first { $0.ssrc == Self.ssrcA && $0.kind == .rtp })
        #expect(rtp.flow.tcp && rtp.authenticated == 30 && rtp.authFailed == 0 && rtp.protocolName == "srtp")
        let rtcp = try #require(summary.streams.first { $0.ssrc == Self.ssrcB && $0.kind == .rtcp })
        #expect(rtcp.authenticated == 3 && rtcp.protocolName == "srtcp")
        #expect(summary.diagnostics.isEmpty, "\(summary.diagnostics)")

        // The output: plaintext in place, lengths, checksums and numbering consistent.
        let reader = try CaptureReader(path: out)
        var frame = Frame()
        var next: [String: UInt32] = [:]  // per direction: the next sequence number expected
        var count = 0
        while reader.next(into: &frame) {
            count += 1
            let ip = frame.data
            #expect(Self.tcpChecksumHolds(ip), "frame \(frame.number): TCP checksum")
            let ihl = Int(ip[0] & 0x0F) * 4
            #expect(Int(ip[2]) << 8 | Int(ip[3]) == ip.count, "frame \(frame.number): IP length")
            let fromA = ip[12..<16].elementsEqual([10, 0, 0, 1])
            let seq =
                UInt32(ip[ihl + 4]) << 24 | UInt32(ip[ihl + 5]) << 16 | UInt32(ip[ihl + 6]) << 8 | UInt32(ip[ihl + 7])
            let ack =
                UInt32(ip[ihl + 8]) << 24 | UInt32(ip[ihl + 9]) << 16 | UInt32(ip[ihl + 10]) << 8 | UInt32(ip[ihl + 11])
            let flags = ip[ihl + 13]
            let payload = Array(ip[(ihl + Int(ip[ihl + 12] >> 4) * 4)...])
            let me = fromA ? "a" : "b"
            let peer = fromA ? "b" : "a"
            if flags & 0x02 != 0 {
                next[me] = seq &+ 1
            } else {
                #expect(seq == next[me], "frame \(frame.number): sequence \(seq), expected \(next[me] ?? 0)")
                next[me] = seq &+ UInt32(payload.count)
            }
            if flags & 0x10 != 0, let expected = next[peer] {
                #expect(ack == expected, "frame \(frame.number): ack \(ack), expected \(expected)")
            }
            if let plain = built.plaintext[frame.number] {
                #expect(payload.count == plain.count + 2)
                #expect(Int(payload[0]) << 8 | Int(payload[1]) == plain.count, "frame \(frame.number): RFC 4571 length")
                #expect(Array(payload.dropFirst(2)) == plain, "frame \(frame.number): plaintext")
            }
        }
        #expect(count == built.frames)

        if Tshark.present {
            // tshark's TCP analysis finds nothing to flag: no gap, no ACK of unseen data, no bad checksum.
            let (status, text) = try Tshark.run([
                "-r", out, "-o", "tcp.check_checksum:TRUE", "-Y", "tcp.analysis.flags || tcp.checksum.status == 0",
            ])
            #expect(status == 0)
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "tshark flags: \(text)")
        }
    }

    /// A segment holding part of an RFC 4571 frame, or a length that does not match, is not media.
    @Test func onlyWholeFramesAreLocated() throws {
        let plain = Self.rtp(seq: 1, ts: 0)
        func decoded(_ payload: [UInt8]) -> (Frame, DecodedFrame) {
            let segment = IPPacketBuilder.tcp(
                from: Self.a, to: Self.b, sequence: 1, acknowledgement: 1, flags: [.ack, .psh], payload: payload)
            let packet = IPPacketBuilder.ip(
                source: Self.a.address, destination: Self.b.address, proto: .tcp, identification: 1, payload: segment)
            let frame = Frame(number: 1, originalLength: packet.count, linkType: .raw, data: packet)
            return (frame, FrameDecoder().decode(frame))
        }
        let (f1, d1) = decoded(Self.framed(plain))
        let located = try #require(MediaPacketLocator.locate(f1, d1))
        #expect(located.kind == .rtp && located.flow.tcp && located.range.count == plain.count)
        let (f2, d2) = decoded(Array(Self.framed(plain).prefix(100)))
        #expect(MediaPacketLocator.locate(f2, d2) == nil)
        let (f3, d3) = decoded(Self.framed(plain) + Self.framed(plain))
        #expect(MediaPacketLocator.locate(f3, d3) == nil)
    }
}
