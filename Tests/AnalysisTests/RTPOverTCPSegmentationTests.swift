import Analysis
import Capture
import Datagrams
import Foundation
import SRTPDump
import Synth
import TestSupport
import Testing
import Transforms

/// RTP over TCP (RFC 4571) where TCP does not put one packet in each segment: A's SRTP packets (encrypted
/// by libsrtp, the independent sender) are laid end to end as one byte stream, each behind its 2-byte
/// length, and the stream is cut into segments at chosen places: two packets in one segment, a packet
/// split over two, a length field split between segments, three packets and a half, a retransmitted
/// segment, a missing one. B acknowledges each segment and sends one SRTCP report of its own.
///
/// The expected output is computed here from the plaintexts this test encrypted, by the rule decrypt
/// must follow: each segment keeps its range of the stream, in which every decrypted packet's length
/// field reads the plaintext length, its body is the plaintext and its trailer (the tag) is gone; the
/// sequence numbers drop by the tag bytes before them, the acknowledgments likewise. tshark then reads
/// the result as RTP over TCP and finds no TCP problem the input did not have.
@Suite struct RTPOverTCPSegmentationTests {
    typealias One = RTPOverTCPTests

    struct Scenario: CustomStringConvertible, Sendable {
        var name: String
        var packets: Int
        /// Segment lengths; the last segment takes what is left.
        var lengths: [Int]
        /// Segments written twice (the copy right after the first).
        var resend: Set<Int> = []
        /// Segments never written (a hole in the capture).
        var drop: Set<Int> = []
        /// Whether the capture holds the SYNs: without them, framing is taken up only at the first segment
        /// that is a whole number of packets.
        var handshake = true
        /// Segments written after the one that follows them (out of order).
        var swap: Set<Int> = []
        /// A segment holds tag bytes only: decrypted, it is written empty (never dropped), and tshark then
        /// calls it and the acknowledgment after it duplicate ACKs, as it would any empty segment.
        var emptied = false
        /// Segments written again after the one of the key has been written (a go-back-N retransmission).
        var replays: [Int: [Int]] = [:]
        var description: String { name }
    }

    /// The framed length of one SRTP packet: 2 + 12 + 160 + 10 (AES_CM_128_HMAC_SHA1_80's tag).
    static let p = 2 + 12 + 160 + 10

    static let scenarios: [Scenario] = [
        Scenario(name: "two packets in one segment", packets: 6, lengths: [2 * p, 2 * p]),
        Scenario(name: "a packet split over two segments", packets: 4, lengths: [100, p - 100, 60, p - 60, p, 30]),
        Scenario(name: "a length field split between segments", packets: 4, lengths: [p + 1, p, p]),
        Scenario(name: "each length field in a segment of its own", packets: 3, lengths: [2, p - 2, 2, p - 2, 2]),
        Scenario(name: "three packets and a half", packets: 7, lengths: [3 * p + 92, p - 92, 3 * p + 5]),
        Scenario(name: "a tag split between segments", packets: 3, lengths: [p - 4, p + 6]),
        Scenario(name: "a segment of tag bytes only", packets: 3, lengths: [p - 10, 10, p], emptied: true),
        Scenario(name: "a retransmitted segment", packets: 5, lengths: [100, p - 100 + 2 * p, p], resend: [0, 1, 2]),
        Scenario(name: "a hole", packets: 6, lengths: [p, p + 50, 100, p - 150, p], drop: [2]),
        Scenario(name: "segments out of order", packets: 5, lengths: [p + 20, p, 100, p], swap: [2]),
        Scenario(
            name: "a capture begun mid-connection", packets: 6, lengths: [100, p - 100 + 30, p - 30, 2 * p],
            handshake: false),
    ]

    static func named(_ name: String) -> Scenario { scenarios.first { $0.name == name } ?? scenarios[0] }

    struct Segment {
        var frame: Int
        var start: Int
        var end: Int
        var resent: Bool
    }

    struct Built {
        var path: String
        var frames: Int
        /// A's framed ciphertexts and plaintexts, in stream order.
        var ciphertexts: [[UInt8]]
        var plaintexts: [[UInt8]]
        /// A's segments as written (frame, stream range).
        var segments: [Segment]
        /// Which of A's packets can be decrypted: those wholly before the first missing byte.
        var decryptable: [Bool]
        /// The frame of B's SRTCP report, its plaintext, and where it sits in B's stream.
        var rtcpFrame: Int
        var rtcpPlaintext: [UInt8]
        var rtcpProtectedLength: Int
        var frameOfFirstSegmentAfterHole: Int?
        var seqA: UInt32
        var seqB: UInt32
    }

    static func build(_ s: Scenario) throws -> Built {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rfc4571-seg-\(UUID().uuidString).pcap"
        )
        .path
        let capture = try TCPSegmentCapture(path: path)
        let sessionA = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: One.keyAndSalt)])
        try sessionA.addStream(ssrc: One.ssrcA)
        let sessionB = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: One.keyAndSalt)])
        try sessionB.addStream(ssrc: One.ssrcB)

        var plaintexts: [[UInt8]] = []
        var ciphertexts: [[UInt8]] = []
        for i in 0..<s.packets {
            let plain = One.rtp(seq: UInt16(7000 + i), ts: 160 * UInt32(i))
            plaintexts.append(plain)
            ciphertexts.append(One.framed(try sessionA.protect(plain, rtcp: false)))
        }
        let stream = ciphertexts.flatMap { $0 }
        var bounds: [Int] = []
        var at = 0
        for l in s.lengths where at + l < stream.count {
            at += l
            bounds.append(at)
        }
        bounds.append(stream.count)

        let isnA: UInt32 = 0xFFFF_FF00  // the sequence numbers wrap during the call (RFC 9293 §3.4)
        let isnB: UInt32 = 40_000
        func send(
            _ from: Synth.Endpoint, _ to: Synth.Endpoint, seq: UInt32, ack: UInt32, flags: Synth.TCPFlags,
            options: [UInt8] = [], _ payload: [UInt8]
        ) throws { try capture.send(from, to, seq: seq, ack: ack, flags: flags, options: options, payload) }
        let a = One.a
        let b = One.b
        if s.handshake {
            try send(a, b, seq: isnA &- 1, ack: 0, flags: .syn, [])
            try send(b, a, seq: isnB &- 1, ack: isnA, flags: [.syn, .ack], [])
            try send(a, b, seq: isnA, ack: isnB, flags: .ack, [])
        }
        var segments: [Segment] = []
        var seqB = isnB
        var contiguous = 0  // what B has received in order
        var rtcpFrame = 0
        var rtcpPlaintext: [UInt8] = []
        var rtcpProtectedLength = 0
        var afterHole: Int?
        var order = Array(bounds.indices)
        for i in s.swap.sorted() where i + 1 < order.count { order.swapAt(i, i + 1) }
        var written = 0
        for i in order where !s.drop.contains(i) {
            written += 1
            let start = i == 0 ? 0 : bounds[i - 1]
            let end = bounds[i]
            let payload = Array(stream[start..<end])
            let seq = isnA &+ UInt32(start)
            try send(a, b, seq: seq, ack: seqB, flags: [.ack, .psh], payload)
            segments.append(Segment(frame: capture.frames, start: start, end: end, resent: false))
            if afterHole == nil, start > contiguous { afterHole = capture.frames }
            for r in s.replays[i] ?? [] where r < bounds.count {
                let from = r == 0 ? 0 : bounds[r - 1]
                try send(a, b, seq: isnA &+ UInt32(from), ack: seqB, flags: [.ack, .psh], Array(stream[from..<bounds[r]]))
                segments.append(Segment(frame: capture.frames, start: from, end: bounds[r], resent: true))
            }
            if s.resend.contains(i) {
                try send(a, b, seq: seq, ack: seqB, flags: [.ack, .psh], payload)
                segments.append(Segment(frame: capture.frames, start: start, end: end, resent: true))
            }
            // Data past a hole is acknowledged selectively (RFC 2018 §3: NOP, NOP, kind 5, length 10, the
            // block's left and right edges), which the renumbering must shift as it shifts acknowledgments.
            let sack: [UInt8] =
                start > contiguous
                ? [1, 1, 5, 10] + Self.be32bytes(isnA &+ UInt32(start)) + Self.be32bytes(isnA &+ UInt32(end)) : []
            if start <= contiguous { contiguous = max(contiguous, end) }
            try send(b, a, seq: seqB, ack: isnA &+ UInt32(contiguous), flags: .ack, options: sack, [])
            if written == 2 {
                // B's own SRTCP receiver report, which A acknowledges.
                rtcpPlaintext = One.receiverReport()
                let rr = One.framed(try sessionB.protect(rtcpPlaintext, rtcp: true))
                rtcpProtectedLength = rr.count - 2
                try send(b, a, seq: seqB, ack: isnA &+ UInt32(contiguous), flags: [.ack, .psh], rr)
                rtcpFrame = capture.frames
                seqB &+= UInt32(rr.count)
                try send(a, b, seq: isnA &+ UInt32(contiguous), ack: seqB, flags: .ack, [])
            }
        }
        try capture.close()
        // A packet is decryptable when every byte of it, and every byte before it, was captured.
        var decryptable: [Bool] = []
        var offset = 0
        let firstMissing: Int = {
            // In capture order, up to the first segment that starts past what came before it.
            var covered = 0
            for seg in segments {
                if seg.start > covered { break }
                covered = max(covered, seg.end)
            }
            return covered
        }()
        // Without the SYN, framing starts with the first segment made of whole packets.
        var packetStarts: Set<Int> = []
        for c in ciphertexts {
            packetStarts.insert(offset)
            offset += c.count
        }
        packetStarts.insert(offset)
        let followedFrom =
            s.handshake
            ? 0 : segments.first { packetStarts.contains($0.start) && packetStarts.contains($0.end) }?.start ?? offset
        offset = 0
        for c in ciphertexts {
            decryptable.append(offset >= followedFrom && offset + c.count <= firstMissing)
            offset += c.count
        }
        return Built(
            path: path, frames: capture.frames, ciphertexts: ciphertexts, plaintexts: plaintexts, segments: segments,
            decryptable: decryptable, rtcpFrame: rtcpFrame, rtcpPlaintext: rtcpPlaintext,
            rtcpProtectedLength: rtcpProtectedLength, frameOfFirstSegmentAfterHole: afterHole, seqA: isnA, seqB: isnB)
    }

    /// The expected bytes of A's stream range `start..<end` after decryption, and the bytes removed
    /// before `start`: the rule, applied to what this test encrypted.
    static func expected(_ built: Built, _ start: Int, _ end: Int) -> (bytes: [UInt8], removedBefore: Int) {
        var bytes: [UInt8] = []
        var removed = 0
        var offset = 0
        for (i, c) in built.ciphertexts.enumerated() {
            let plain = built.plaintexts[i]
            for k in 0..<c.count {
                let position = offset + k
                let replacement: UInt8?
                if !built.decryptable[i] {
                    replacement = c[k]
                } else if k == 0 {
                    replacement = UInt8(plain.count >> 8)
                } else if k == 1 {
                    replacement = UInt8(plain.count & 0xFF)
                } else if k - 2 < plain.count {
                    replacement = plain[k - 2]
                } else {
                    replacement = nil
                }
                if position < start {
                    if replacement == nil { removed += 1 }
                } else if position < end, let r = replacement {
                    bytes.append(r)
                }
            }
            offset += c.count
        }
        return (bytes, removed)
    }

    static func be32bytes(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// The SACK block edges of a TCP header at `tcp` (RFC 2018 §3), in order.
    static func sackEdges(_ b: [UInt8], tcp: Int) -> [UInt32] {
        let end = tcp + Int(b[tcp + 12] >> 4) * 4
        var i = tcp + 20
        var edges: [UInt32] = []
        while i < end {
            let kind = b[i]
            if kind == 0 { break }
            if kind == 1 {
                i += 1
                continue
            }
            guard i + 1 < end, b[i + 1] >= 2 else { break }
            let length = Int(b[i + 1])
            if kind == 5 {
                var j = i + 2
                while j + 4 <= min(end, i + length) {
                    edges.append(be32(b, j))
                    j += 4
                }
            }
            i += length
        }
        return edges
    }

    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func run(
        _ built: Built, output: String, configure: (inout DecryptPipeline.Options) -> Void = { _ in }
    ) throws -> DecryptPipeline.Summary {
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80,
            keys: [
                Transforms.MasterKey(key: Array(One.keyAndSalt[0..<16]), salt: Array(One.keyAndSalt[16...]))
            ])
        var options = DecryptPipeline.Options(capturePath: built.path)
        options.outputPath = output
        options.progress = false
        options.keys = StaticTrialKeys(entries: [.init(TrialKey(id: "k", material: .srtp(policy), source: "--key #1"))])
        configure(&options)
        return try DecryptPipeline(options: options).run(
            output: nil, errors: OutputStream(path: "/dev/null"), record: true)
    }

    /// Checks the decrypted capture frame by frame against the rule: payloads of A's segments, A's
    /// sequence numbers and B's acknowledgments (and the reverse for B's report), IP lengths, checksums.
    static func checkFrames(_ built: Built, _ out: String) throws {
        // The input's acknowledgment numbers, by frame.
        var inputAcks: [Int: UInt32] = [:]
        var inputSACKs: [Int: [UInt32]] = [:]
        let input = try CaptureReader(path: built.path)
        var inFrame = Frame()
        while input.next(into: &inFrame) {
            let ihl = Int(inFrame.data[0] & 0x0F) * 4
            inputAcks[inFrame.number] = Self.be32(inFrame.data, ihl + 8)
            inputSACKs[inFrame.number] = Self.sackEdges(inFrame.data, tcp: ihl)
        }

        // Frame by frame.
        let reader = try CaptureReader(path: out)
        var frame = Frame()
        var count = 0
        var segments = built.segments[...]
        while reader.next(into: &frame) {
            count += 1
            let ip = frame.data
            #expect(One.tcpChecksumHolds(ip), "frame \(frame.number): TCP checksum")
            #expect(Int(ip[2]) << 8 | Int(ip[3]) == ip.count, "frame \(frame.number): IP length")
            let ihl = Int(ip[0] & 0x0F) * 4
            let fromA = ip[12..<16].elementsEqual([10, 0, 0, 1])
            let seq = Self.be32(ip, ihl + 4)
            let ack = Self.be32(ip, ihl + 8)
            let flags = ip[ihl + 13]
            let payload = Array(ip[(ihl + Int(ip[ihl + 12] >> 4) * 4)...])
            if fromA, let seg = segments.first, seg.frame == frame.number {
                segments = segments.dropFirst()
                let (bytes, removed) = Self.expected(built, seg.start, seg.end)
                #expect(payload == bytes, "frame \(frame.number): payload of stream bytes \(seg.start)..<\(seg.end)")
                #expect(
                    seq == built.seqA &+ UInt32(seg.start) &- UInt32(removed), "frame \(frame.number): sequence number")
            } else if !fromA, frame.number == built.rtcpFrame {
                #expect(payload.count == built.rtcpPlaintext.count + 2)
                #expect(Array(payload.dropFirst(2)) == built.rtcpPlaintext, "frame \(frame.number): SRTCP plaintext")
            }
            if !fromA, flags & 0x10 != 0, flags & 0x02 == 0 {
                // B acknowledges A's bytes: renumbered by the tags removed before them.
                let original = inputAcks[frame.number] ?? 0
                let acked = Int(Int32(bitPattern: original &- built.seqA))
                #expect(
                    ack == original &- UInt32(Self.expected(built, acked, acked).removedBefore),
                    "frame \(frame.number): ack")
                // Each SACK edge likewise.
                let edges = Self.sackEdges(ip, tcp: ihl)
                let originals = inputSACKs[frame.number] ?? []
                #expect(edges.count == originals.count, "frame \(frame.number): SACK blocks")
                for (edge, original) in zip(edges, originals) {
                    let at = Int(Int32(bitPattern: original &- built.seqA))
                    #expect(
                        edge == original &- UInt32(Self.expected(built, at, at).removedBefore),
                        "frame \(frame.number): SACK edge")
                }
            }
            if fromA, flags & 0x10 != 0, flags & 0x02 == 0, frame.number > built.rtcpFrame, built.rtcpFrame > 0 {
                // A acknowledges B's report: its 10-byte tag and 4-byte SRTCP index are gone.
                let removed = UInt32(built.rtcpProtectedLength - built.rtcpPlaintext.count)
                #expect(
                    ack == built.seqB &+ UInt32(built.rtcpProtectedLength + 2) &- removed, "frame \(frame.number): ack")
            }
        }
        #expect(count == built.frames)
        #expect(segments.isEmpty)
    }

    @Test(arguments: scenarios)
    func decryptsAcrossSegments(_ scenario: Scenario) throws { try Self.verify(scenario) }

    /// `packets` packets (a number in the range) cut into segments of 1 to 400 bytes at random.
    static func randomScenario(
        _ seed: Int, packets range: ClosedRange<Int>, using g: inout TestSupport.SeededGenerator
    ) -> Scenario {
        let packets = Int.random(in: range, using: &g)
        var lengths: [Int] = []
        var total = 0
        while total < packets * p {
            // The first segment holds at least the length field, which the SYN says starts the stream.
            let l = Int.random(in: (lengths.isEmpty ? 2 : 1)...400, using: &g)
            lengths.append(l)
            total += l
        }
        return Scenario(name: "seed \(seed)", packets: packets, lengths: lengths)
    }

    /// Random cuts (1 to 400 bytes), retransmissions, a hole or two segments swapped, from fixed seeds:
    /// whatever TCP does, the output follows the rule.
    @Test(arguments: 0..<24)
    func randomSegmentation(_ seed: Int) throws {
        var g = TestSupport.SeededGenerator(seed: UInt64(45710 + seed))
        var scenario = Self.randomScenario(seed, packets: 3...9, using: &g)
        let lengths = scenario.lengths
        for i in lengths.indices where Int.random(in: 0..<8, using: &g) == 0 { scenario.resend.insert(i) }
        if seed % 3 == 1, lengths.count > 2 { scenario.drop.insert(Int.random(in: 1..<(lengths.count - 1), using: &g)) }
        if seed % 3 == 2, lengths.count > 2 { scenario.swap.insert(Int.random(in: 1..<(lengths.count - 1), using: &g)) }
        try Self.verify(scenario)
    }

    static func verify(_ scenario: Scenario) throws {
        let built = try Self.build(scenario)
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let out = Self.outputPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let summary = try Self.run(built, output: out)
        // Segments of tag bytes only are written empty; tshark calls such segments duplicate ACKs.
        let emptied = built.segments.contains { Self.expected(built, $0.start, $0.end).bytes.isEmpty }

        #expect(summary.frames == built.frames)
        let decryptable = built.decryptable.filter { $0 }.count
        let rtp = summary.streams.first { $0.ssrc == One.ssrcA && $0.kind == .rtp }
        #expect((rtp?.authenticated ?? 0) == decryptable && (rtp?.authFailed ?? 0) == 0 && rtp?.flow.tcp != false)
        let rtcp = try #require(summary.streams.first { $0.ssrc == One.ssrcB && $0.kind == .rtcp })
        #expect(rtcp.authenticated == 1)
        if let hole = built.frameOfFirstSegmentAfterHole {
            #expect(decryptable < scenario.packets)
            let d = summary.diagnostics.filter { $0.code == "decrypt.tcp-media-framing" }
            #expect(d.count == 1 && d.first?.frame == hole, "\(summary.diagnostics)")
        } else {
            #expect(decryptable == scenario.packets || !scenario.handshake)
            #expect(decryptable > 0)
            #expect(summary.diagnostics.isEmpty, "\(summary.diagnostics)")
        }
        try Self.checkFrames(built, out)

        if Tshark.present {
            // TCP analysis: nothing the input did not have (retransmissions, the segment after a hole).
            func flagged(_ file: String, _ filter: String = "tcp.analysis.flags") throws -> [String] {
                let (status, text) = try Tshark.run([
                    "-r", file, "-o", "tcp.check_checksum:TRUE", "-Y", "(\(filter)) || tcp.checksum.status == 0",
                    "-T", "fields", "-e", "frame.number",
                ])
                #expect(status == 0)
                return text.split(separator: "\n").map(String.init)
            }
            let others =
                scenario.emptied || emptied ? "tcp.analysis.flags && !tcp.analysis.duplicate_ack" : "tcp.analysis.flags"
            let flaggedIn = try flagged(built.path, others)
            let flaggedOut = try flagged(out, others)
            #expect(flaggedOut == flaggedIn, "tshark flags frames \(flaggedOut), input \(flaggedIn)")
            if scenario.emptied {
                // The emptied segment (A's second) and B's acknowledgment of it.
                let emptied = built.segments[1].frame
                #expect(try flagged(out, "tcp.analysis.duplicate_ack") == ["\(emptied)", "\(emptied + 1)"])
            }
            // RFC 4571 decoding: tshark reassembles the packets across segments and reads each RTP header.
            let (status, text) = try Tshark.run([
                "-r", out, "-d", "tcp.port==\(One.b.port),rtp", "-Y", "rtp && ip.src == 10.0.0.1", "-T", "fields",
                "-e", "rtp.seq", "-e", "rtp.payload",
            ])
            #expect(status == 0)
            // One line per segment that ends RTP packets: their sequence numbers, then their payloads.
            var seen: [Int: String] = [:]
            for line in text.split(separator: "\n") {
                let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard columns.count == 2 else { continue }
                let seqs = columns[0].split(separator: ",").compactMap { Int($0) }
                let payloads = columns[1].split(separator: ",").map { $0.replacingOccurrences(of: ":", with: "") }
                for (q, pl) in zip(seqs, payloads) where seen[q] == nil { seen[q] = pl }
            }
            // Every decrypted packet is read as RTP with its plaintext payload (the ones left encrypted
            // show their clear header too, with the ciphertext and tag as payload).
            for (i, ok) in built.decryptable.enumerated() where ok {
                let plain = built.plaintexts[i].dropFirst(12).map { String(format: "%02x", $0) }.joined()
                #expect(seen[7000 + i] == plain, "tshark: RTP packet \(7000 + i)")
            }
        }
    }

    static func outputPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rfc4571-seg-out-\(UUID().uuidString).pcap").path
    }

    /// A look-behind buffer of one frame: a segment that ends inside a packet must be written before the
    /// segment with the packet's end is read, so every packet split across segments is written unchanged
    /// (with a diagnostic naming the frame), and the packets whole in one segment are still decrypted.
    @Test func aFullLookBehindBufferLeavesSplitPacketsUnchanged() throws {
        let scenario = Self.named("a packet split over two segments")
        var built = try Self.build(scenario)
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let out = Self.outputPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let summary = try Self.run(built, output: out) { $0.holdFrames = 1 }
        // Only the packets that one segment holds whole.
        var offset = 0
        for (i, c) in built.ciphertexts.enumerated() {
            let whole = built.segments.contains { $0.start <= offset && offset + c.count <= $0.end }
            built.decryptable[i] = built.decryptable[i] && whole
            offset += c.count
        }
        let decryptable = built.decryptable.filter { $0 }.count
        #expect(decryptable > 0 && decryptable < scenario.packets)
        let rtp = try #require(summary.streams.first { $0.ssrc == One.ssrcA && $0.kind == .rtp })
        #expect(rtp.authenticated == decryptable && rtp.authFailed == 0)
        let incomplete = summary.diagnostics.filter { $0.code == "decrypt.tcp-media-incomplete" }
        #expect(incomplete.count == scenario.packets - decryptable, "\(summary.diagnostics)")
        try Self.checkFrames(built, out)
    }

    /// Past `tcp-media-bytes-per-direction`, the direction's media is left unchanged, with a diagnostic
    /// naming the frame; the other direction (B's report, smaller) is still decrypted.
    @Test func theBufferLimitLeavesTheDirectionUnchanged() throws {
        let scenario = Self.named("three packets and a half")
        var built = try Self.build(scenario)
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let out = Self.outputPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var limits = ResourceLimits()
        try limits.set("tcp-media-bytes-per-direction=300")
        let summary = try Self.run(built, output: out) { limits.apply(to: &$0) }
        built.decryptable = built.decryptable.map { _ in false }
        let d = summary.diagnostics.filter { $0.code == "decrypt.tcp-media-framing" }
        #expect(d.count == 1 && d.first?.frame == built.segments[0].frame, "\(summary.diagnostics)")
        #expect(d.first?.message.contains("tcp-media-bytes-per-direction") == true)
        #expect(!summary.streams.contains { $0.ssrc == One.ssrcA && $0.authenticated > 0 })
        try Self.checkFrames(built, out)
    }

    /// With a key for B's flow only, A's young stream has no candidate: the engine holds its packets back
    /// (a key may still come), with every frame after them, until the capture ends; then they are
    /// decided as clear and written unchanged, in order, while B's report, decided later in the pass, is
    /// decrypted.
    @Test func packetsWaitingForAKeyKeepTheOrder() throws {
        let scenario = Self.named("three packets and a half")
        var built = try Self.build(scenario)
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let out = Self.outputPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80,
            keys: [Transforms.MasterKey(key: Array(One.keyAndSalt[0..<16]), salt: Array(One.keyAndSalt[16...]))])
        let bFlow = MediaFlowKey(
            source: Datagrams.Endpoint(try #require(IPAddress("10.0.0.2")), One.b.port),
            destination: Datagrams.Endpoint(try #require(IPAddress("10.0.0.1")), One.a.port), tcp: true)
        let summary = try Self.run(built, output: out) {
            $0.keys = StaticTrialKeys(entries: [
                .init(TrialKey(id: "k", material: .srtp(policy), source: "--key #1"), flows: [bFlow])
            ])
        }
        built.decryptable = built.decryptable.map { _ in false }
        // Everything from A's first segment on waited for the end of the capture.
        #expect(summary.maxHeld >= built.frames - 4, "\(summary.maxHeld) of \(built.frames)")
        #expect(!summary.streams.contains { $0.ssrc == One.ssrcA && $0.authenticated > 0 })
        let rtcp = try #require(summary.streams.first { $0.ssrc == One.ssrcB && $0.kind == .rtcp })
        #expect(rtcp.authenticated == 1)
        #expect(summary.records.map(\.frame) == Array(1...built.frames), "records in capture order")
        try Self.checkFrames(built, out)
    }

    /// `streams` (no capture written) counts the same packets as `decrypt`.
    @Test func streamsCountsWithoutWriting() throws {
        let built = try Self.build(Self.named("three packets and a half"))
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let out = Self.outputPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let written = try Self.run(built, output: out)
        let counted = try Self.run(built, output: out) { $0.outputPath = nil }
        #expect(counted.streams.map(\.authenticated) == written.streams.map(\.authenticated))
        #expect(counted.streams.map(\.ssrc) == written.streams.map(\.ssrc))
        #expect(counted.records.map(\.status) == written.records.map(\.status))
        #expect(
            written.streams.first { $0.ssrc == One.ssrcA }?.authenticated
                == Self.named("three packets and a half").packets)
    }

    /// Hostile segments on a followed connection (seeded): random bytes after a first good packet,
    /// length fields up to 65,535, sequence numbers that jump both ways, repeated SYNs, small limits and
    /// a small look-behind buffer. Nothing traps, every frame is written, and every TCP checksum holds.
    @Test(arguments: 0..<16)
    func hostileSegmentsLoseNoFrame(_ seed: Int) throws {
        var g = TestSupport.SeededGenerator(seed: UInt64(9000 + seed))
        let path = Self.outputPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, format: .pcap, interfaces: [CaptureInterface(linkType: .raw)])
        let session = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: One.keyAndSalt)])
        try session.addStream(ssrc: One.ssrcA)
        var n = 0
        func send(_ from: Synth.Endpoint, _ to: Synth.Endpoint, seq: UInt32, flags: Synth.TCPFlags, _ payload: [UInt8])
            throws
        {
            n += 1
            let segment = IPPacketBuilder.tcp(
                from: from, to: to, sequence: seq, acknowledgement: UInt32.random(in: 0...UInt32.max, using: &g),
                flags: flags, payload: payload)
            let packet = IPPacketBuilder.ip(
                source: from.address, destination: to.address, proto: .tcp, identification: UInt16(n), payload: segment)
            try writer.write(
                Frame(
                    number: n, timestamp: Timestamp(seconds: 1_700_000_000, nanoseconds: UInt32(n) * 1000),
                    originalLength: packet.count, linkType: .raw, data: packet))
        }
        var seq: UInt32 = 77
        try send(One.a, One.b, seq: seq &- 1, flags: .syn, [])
        var next = One.framed(try session.protect(One.rtp(seq: 1, ts: 0), rtcp: false))
        for i in 0..<40 {
            var payload: [UInt8]
            switch Int.random(in: 0..<6, using: &g) {
            case 0:
                // Random bytes, possibly read as huge length fields.
                payload = (0..<Int.random(in: 0..<300, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            case 1:
                // A jump of the sequence number, either way.
                seq &+= UInt32(bitPattern: Int32.random(in: -2000...2000, using: &g))
                payload = Array(next.prefix(Int.random(in: 1...50, using: &g)))
            default:
                // More of good packets, cut anywhere.
                if next.isEmpty {
                    next = One.framed(
                        try session.protect(One.rtp(seq: UInt16(2 + i), ts: 160 * UInt32(i)), rtcp: false))
                }
                let cut = Int.random(in: 1...next.count, using: &g)
                payload = Array(next.prefix(cut))
                next.removeFirst(cut)
            }
            let flags: Synth.TCPFlags = Int.random(in: 0..<20, using: &g) == 0 ? [.syn] : [.ack, .psh]
            try send(One.a, One.b, seq: seq, flags: flags, payload)
            seq &+= UInt32(payload.count)
            if Bool.random(using: &g) { try send(One.b, One.a, seq: 5, flags: .ack, []) }
        }
        try writer.close()

        let out = Self.outputPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let built = Built(
            path: path, frames: n, ciphertexts: [], plaintexts: [], segments: [], decryptable: [], rtcpFrame: 0,
            rtcpPlaintext: [], rtcpProtectedLength: 0, frameOfFirstSegmentAfterHole: nil, seqA: 0, seqB: 0)
        let hold = Int.random(in: 1...8, using: &g)
        let limit = Int.random(in: 100...70_000, using: &g)
        let summary = try Self.run(built, output: out) {
            $0.holdFrames = hold
            $0.tcpMedia.maxBytesPerDirection = limit
        }
        #expect(summary.frames == n)
        #expect(summary.records.map(\.frame) == Array(1...n))
        let reader = try CaptureReader(path: out)
        var frame = Frame()
        var count = 0
        while reader.next(into: &frame) {
            count += 1
            #expect(frame.number == count)
            #expect(One.tcpChecksumHolds(frame.data), "frame \(frame.number): TCP checksum")
            #expect(
                Int(frame.data[2]) << 8 | Int(frame.data[3]) == frame.data.count, "frame \(frame.number): IP length")
        }
        #expect(count == n)
    }

    /// The framer alone: frames cut anywhere come out whole, with their stream offsets.
    @Test func framerReassemblesWhateverTheCuts() {
        var generator = TestSupport.SeededGenerator(seed: 4571)
        var frames: [[UInt8]] = []
        var stream: [UInt8] = []
        for i in 0..<40 {
            let length = Int.random(in: 0..<600, using: &generator)
            let body = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            frames.append(body)
            stream += [UInt8(length >> 8), UInt8(length & 0xFF)] + body
        }
        for _ in 0..<20 {
            var framer = RFC4571Framer(offset: 0)
            var got: [(Int64, [UInt8])] = []
            var at = 0
            while at < stream.count {
                let cut = min(stream.count, at + Int.random(in: 1..<700, using: &generator))
                framer.consume(stream[at..<cut]) { start, body in got.append((start, Array(body))) }
                at = cut
            }
            #expect(got.map(\.1) == frames)
            var offset: Int64 = 0
            for (i, g) in got.enumerated() {
                #expect(g.0 == offset, "frame \(i)")
                offset += 2 + Int64(frames[i].count)
            }
            #expect(!framer.isInsideFrame && framer.offset == Int64(stream.count))
        }
    }
}
