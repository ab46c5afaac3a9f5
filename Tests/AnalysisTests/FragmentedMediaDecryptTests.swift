import Analysis
import Capture
import Datagrams
import Foundation
import SRTPDump
import Synth
import Testing
import Transforms

/// SRTP in IP-fragmented UDP datagrams (issue 6, deliverable 2): the fragments are held until the datagram
/// completes, the datagram is decrypted like any other, and its plaintext is cut back into the same frames.
///
/// The captures are built here: RTP packets protected by libsrtp (the independent sender), wrapped in UDP
/// and cut into IPv4 or IPv6 fragments by hand (offsets, order and overlaps chosen per test). The output
/// is checked frame by frame against the input (count, IP identification, flags and offsets), by our own
/// decoder (the reassembled UDP payload is the plaintext RTP built here), and by tshark, which reassembles
/// the fragments, decodes the RTP and verifies every IPv4 header and UDP checksum.
@Suite struct FragmentedMediaDecryptTests {
    static let keyAndSalt: [UInt8] = Array(11..<41)
    static let ssrc: UInt32 = 0x5EED_F00D
    static let a4 = Synth.Endpoint(address: [10, 1, 0, 1], port: 40000)
    static let b4 = Synth.Endpoint(address: [10, 1, 0, 2], port: 50000)
    static let a6 = Synth.Endpoint(
        address: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1], port: 40002)
    static let b6 = Synth.Endpoint(
        address: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [2], port: 50002)

    static var keys: StaticTrialKeys {
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80,
            keys: [Transforms.MasterKey(key: Array(keyAndSalt[0..<16]), salt: Array(keyAndSalt[16...]))])
        return StaticTrialKeys(entries: [.init(TrialKey(id: "k", material: .srtp(policy), source: "--key #1"))])
    }

    /// A plaintext RTP packet of `payloadLength` bytes (PT 96, ten per sequence number).
    static func rtp(seq: UInt16, payloadLength: Int) -> [UInt8] {
        var p: [UInt8] = [0x80, 96, UInt8(seq >> 8), UInt8(seq & 0xFF)]
        p += be32(UInt32(seq) * 3000) + be32(ssrc)
        p += (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seq)) }
        return p
    }

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    /// An IPv4 fragment carrying `data` at byte `offset` of the datagram.
    static func ipv4Fragment(_ data: ArraySlice<UInt8>, offset: Int, more: Bool, id: Int) -> [UInt8] {
        var h: [UInt8] = [0x45, 0] + be16(20 + data.count) + be16(id) + be16((more ? 0x2000 : 0) | offset / 8)
        h += [64, 17, 0, 0] + a4.address + b4.address
        let c = h.withUnsafeBytes { InternetChecksum.finish(InternetChecksum.sum($0)) }
        h[10] = UInt8(c >> 8)
        h[11] = UInt8(c & 0xFF)
        return h + data
    }

    /// An IPv6 packet with a fragment header (RFC 8200 §4.5) carrying `data` at byte `offset`.
    static func ipv6Fragment(_ data: ArraySlice<UInt8>, offset: Int, more: Bool, id: UInt32) -> [UInt8] {
        var p: [UInt8] = [0x60, 0, 0, 0] + be16(8 + data.count) + [44, 64] + a6.address + b6.address
        p += [17, 0] + be16(offset | (more ? 1 : 0)) + be32(id)
        return p + data
    }

    /// The datagram cut at `cuts` (byte offsets, multiples of 8), in fragments; `order` permutes them.
    static func fragments(
        _ udp: [UInt8], cuts: [Int], v6: Bool, id: Int, order: [Int]? = nil
    ) -> [[UInt8]] {
        let bounds = [0] + cuts + [udp.count]
        let pieces = (0..<(bounds.count - 1)).map { i in
            let more = i < bounds.count - 2
            let data = udp[bounds[i]..<bounds[i + 1]]
            return v6
                ? ipv6Fragment(data, offset: bounds[i], more: more, id: UInt32(id))
                : ipv4Fragment(data, offset: bounds[i], more: more, id: id)
        }
        return (order ?? Array(pieces.indices)).map { pieces[$0] }
    }

    /// A whole (unfragmented) packet of the same flow.
    static func whole(_ udp: [UInt8], v6: Bool, id: Int) -> [UInt8] {
        v6
            ? IPPacketBuilder.ip(
                source: a6.address, destination: b6.address, proto: .udp, identification: 0, payload: udp)
            : IPPacketBuilder.ip(
                source: a4.address, destination: b4.address, proto: .udp, identification: UInt16(id), payload: udp)
    }

    struct Built {
        var path: String
        var frames: [[UInt8]]
        /// The plaintext RTP packets by sequence number.
        var plaintext: [UInt16: [UInt8]]
    }

    /// Writes `frames` as a raw-IP pcap, one frame per 20 ms, or at `seconds` (from the same start).
    static func write(_ frames: [[UInt8]], plaintext: [UInt16: [UInt8]], seconds: [Double]? = nil) throws -> Built {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fragmedia-\(UUID().uuidString).pcap")
            .path
        let writer = try CaptureWriter(path: path, format: .pcap, interfaces: [CaptureInterface(linkType: .raw)])
        for (n, p) in frames.enumerated() {
            let t = seconds?[n] ?? Double(n) * 0.02
            try writer.write(
                Frame(
                    number: n + 1,
                    timestamp: Timestamp(
                        seconds: 1_700_000_000 + Int64(t), nanoseconds: UInt32((t - t.rounded(.down)) * 1e9)),
                    originalLength: p.count, linkType: .raw, data: p))
        }
        try writer.close()
        return Built(path: path, frames: frames, plaintext: plaintext)
    }

    /// A session protecting with libsrtp; `udp(seq:payloadLength:)` builds one protected datagram.
    final class Sender {
        let session: LibsrtpSession
        let v6: Bool
        var plaintext: [UInt16: [UInt8]] = [:]
        init(v6: Bool = false) throws {
            session = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: keyAndSalt)])
            try session.addStream(ssrc: ssrc)
            self.v6 = v6
        }
        func udp(seq: UInt16, payloadLength: Int, channel: UInt16? = nil) throws -> [UInt8] {
            let p = rtp(seq: seq, payloadLength: payloadLength)
            plaintext[seq] = p
            var srtp = try session.protect(p, rtcp: false)
            if let c = channel { srtp = be16(Int(c)) + be16(srtp.count) + srtp }  // RFC 8656 §12.4
            return v6
                ? IPPacketBuilder.udp(from: a6, to: b6, payload: srtp)
                : IPPacketBuilder.udp(from: a4, to: b4, payload: srtp)
        }
    }

    struct Run {
        var summary: DecryptPipeline.Summary
        var output: [[UInt8]]
        var outPath: String
    }

    /// Decrypts `built` (the look-behind buffer cut to `holdFrames` when given) and reads the output back.
    static func decrypt(_ built: Built, holdFrames: Int? = nil) throws -> Run {
        let out = built.path + ".out.pcap"
        var options = DecryptPipeline.Options(capturePath: built.path)
        options.outputPath = out
        options.progress = false
        options.keys = keys
        if let holdFrames { options.holdFrames = holdFrames }
        let summary = try DecryptPipeline(options: options).run(
            output: nil, errors: OutputStream(path: "/dev/null"), record: true)
        let reader = try CaptureReader(path: out)
        var f = Frame()
        var frames: [[UInt8]] = []
        while reader.next(into: &f) { frames.append(f.data) }
        return Run(summary: summary, output: frames, outPath: out)
    }

    static func cleanUp(_ built: Built) {
        try? FileManager.default.removeItem(atPath: built.path)
        try? FileManager.default.removeItem(atPath: built.path + ".out.pcap")
    }

    /// The fragment fields of an IP packet: identification, More Fragments, offset (nil when whole).
    static func fragmentFields(_ p: [UInt8]) -> (id: UInt32, more: Bool, offset: Int)? {
        if p[0] >> 4 == 4 {
            let fo = Int(p[6]) << 8 | Int(p[7])
            guard fo & 0x3FFF != 0 else { return nil }
            return (UInt32(p[4]) << 8 | UInt32(p[5]), fo & 0x2000 != 0, (fo & 0x1FFF) * 8)
        }
        guard p[6] == 44 else { return nil }
        let fo = Int(p[42]) << 8 | Int(p[43])
        return (UInt32(p[44]) << 24 | UInt32(p[45]) << 16 | UInt32(p[46]) << 8 | UInt32(p[47]), fo & 1 != 0, fo & ~7)
    }

    /// The UDP payloads our decoder finds in the output, whole or reassembled, by completing frame.
    static func udpPayloads(_ frames: [[UInt8]]) -> [Int: [UInt8]] {
        let decoder = FrameDecoder()
        var out: [Int: [UInt8]] = [:]
        for (i, data) in frames.enumerated() {
            let f = Frame(number: i + 1, originalLength: data.count, linkType: .raw, data: data)
            let d = decoder.decode(f)
            if d.udp != nil, let p = d.payload(in: f) { out[i + 1] = Array(p) }
        }
        return out
    }

    /// tshark's reading of the output: per frame, the RTP sequence number and payload (hex), and the
    /// IPv4 header and UDP checksum statuses (tshark 4.0: 0 bad, 1 good, 2 unverified), with checking on.
    static func tshark(_ path: String, port: UInt16) throws -> [[String]] {
        let (status, text) = try Tshark.run([
            "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-d",
            "udp.port==\(port),rtp", "-T", "fields", "-E", "separator=;", "-e", "frame.number", "-e", "rtp.seq",
            "-e", "rtp.payload", "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "_ws.expert.severity",
        ])
        #expect(status == 0)
        return text.split(separator: "\n").map {
            $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    /// The checks every decrypted capture must pass: the input's frame count, each frame's fragment
    /// fields kept, the decoder's and tshark's reassembled RTP equal to the plaintext built here at the
    /// expected frames, and no bad checksum or expert warning in tshark.
    static func checkDecrypted(_ built: Built, _ run: Run, rtpAt expected: [Int: UInt16], port: UInt16) throws {
        #expect(run.output.count == built.frames.count)
        for (i, (a, b)) in zip(built.frames, run.output).enumerated() {
            let fa = fragmentFields(a)
            let fb = fragmentFields(b)
            #expect(fa?.id == fb?.id && fa?.more == fb?.more && fa?.offset == fb?.offset, "frame \(i + 1)")
        }
        let payloads = udpPayloads(run.output)
        for (frame, seq) in expected {
            #expect(payloads[frame] == built.plaintext[seq], "frame \(frame): seq \(seq) not the plaintext")
        }
        guard Tshark.present else { return }
        let rows = try tshark(run.outPath, port: port)
        #expect(rows.count == built.frames.count)
        for row in rows where row.count >= 6 {
            guard let n = Int(row[0]) else { continue }
            if let seq = expected[n] {
                #expect(row[1] == String(seq), "tshark frame \(n): \(row)")
                let payload = built.plaintext[seq].map { Array($0[12...]) } ?? []
                #expect(row[2].replacingOccurrences(of: ":", with: "") == hex(payload), "tshark frame \(n) payload")
                #expect(row[4] == "1", "tshark frame \(n): UDP checksum status \(row[4])")
            } else {
                #expect(row[1].isEmpty, "tshark frame \(n) has RTP: \(row)")
            }
            #expect(row[3].isEmpty || row[3] == "1", "tshark frame \(n): IPv4 checksum status \(row[3])")
            #expect(row[5].isEmpty, "tshark frame \(n): expert info \(row[5])")
        }
    }

    // MARK: - Clean trains

    /// One SRTP packet in two IPv4 fragments between two whole ones (frames 2 and 3).
    @Test func twoIPv4Fragments() throws {
        let s = try Sender()
        var frames = [Self.whole(try s.udp(seq: 1, payloadLength: 160), v6: false, id: 1)]
        frames += Self.fragments(try s.udp(seq: 2, payloadLength: 400), cuts: [280], v6: false, id: 2)
        frames.append(Self.whole(try s.udp(seq: 3, payloadLength: 160), v6: false, id: 3))
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.authenticated, .notMedia, .authenticated, .authenticated])
        #expect(run.summary.records.map(\.frame) == [1, 2, 3, 4])
        #expect(run.summary.records[2].ssrc == Self.ssrc)
        #expect(!run.summary.diagnostics.contains { $0.code.hasPrefix("decrypt.") }, "\(run.summary.diagnostics)")
        #expect(run.summary.streams.count == 1)
        #expect(run.summary.streams.first?.authenticated == 3)
        // The first fragment keeps its length (280), the last loses the 10-byte tag.
        #expect(run.output[1].count == built.frames[1].count)
        #expect(run.output[2].count == built.frames[2].count - 10)
        try Self.checkDecrypted(built, run, rtpAt: [1: 1, 3: 2, 4: 3], port: Self.b4.port)
    }

    /// Three fragments written last, first, middle: the middle one completes the datagram (frame 4).
    @Test func threeFragmentsOutOfOrder() throws {
        let s = try Sender()
        var frames = [Self.whole(try s.udp(seq: 10, payloadLength: 160), v6: false, id: 1)]
        frames += Self.fragments(
            try s.udp(seq: 11, payloadLength: 700), cuts: [280, 560], v6: false, id: 9, order: [2, 0, 1])
        frames.append(Self.whole(try s.udp(seq: 12, payloadLength: 160), v6: false, id: 3))
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(
            run.summary.records.map(\.status) == [.authenticated, .notMedia, .notMedia, .authenticated, .authenticated])
        #expect(run.output[1].count == built.frames[1].count - 10)  // the last fragment, written first
        #expect(run.output[2].count == built.frames[2].count)
        try Self.checkDecrypted(built, run, rtpAt: [1: 10, 4: 11, 5: 12], port: Self.b4.port)
    }

    /// IPv6 fragments (fragment header, RFC 8200 §4.5), the second arriving first.
    @Test func ipv6Fragments() throws {
        let s = try Sender(v6: true)
        var frames = [Self.whole(try s.udp(seq: 20, payloadLength: 160), v6: true, id: 0)]
        frames += Self.fragments(
            try s.udp(seq: 21, payloadLength: 600), cuts: [304], v6: true, id: 0xABCD, order: [1, 0])
        frames.append(Self.whole(try s.udp(seq: 22, payloadLength: 160), v6: true, id: 0))
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.authenticated, .notMedia, .authenticated, .authenticated])
        #expect(run.output[1].count == built.frames[1].count - 10)
        // The IPv6 payload length follows the fragment's new size.
        let plen = Int(run.output[1][4]) << 8 | Int(run.output[1][5])
        #expect(plen == run.output[1].count - 40)
        try Self.checkDecrypted(built, run, rtpAt: [1: 20, 3: 21, 4: 22], port: Self.b6.port)
    }

    /// The last fragment holds only tag bytes: all 10, or 6 (the plaintext then ends before its offset).
    /// It is not left empty (Wireshark would not reassemble the train): it keeps its length, zeros past
    /// the UDP datagram's end, and the first fragment keeps its length too (in the 6-byte case its last
    /// 4 bytes become zeros), so that no offset moves.
    @Test(arguments: [10, 6])
    func lastFragmentHoldsOnlyTagBytes(_ tagBytes: Int) throws {
        let s = try Sender()
        // UDP 8 + RTP 12 + payload + tag 10 = 560 + tagBytes: the second fragment starts at 560.
        let udp = try s.udp(seq: 30, payloadLength: 530 + tagBytes)
        try #require(udp.count == 560 + tagBytes)
        let frames =
            Self.fragments(udp, cuts: [560], v6: false, id: 5) + [
                Self.whole(try s.udp(seq: 31, payloadLength: 160), v6: false, id: 6)
            ]
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.notMedia, .authenticated, .authenticated])
        #expect(run.output.count == 3)
        #expect(run.output[0].count == built.frames[0].count)
        #expect(run.output[1].count == built.frames[1].count)
        #expect(run.output[1][20...].allSatisfy { $0 == 0 }, "the emptied fragment holds zeros")
        #expect(run.output[1] != built.frames[1])
        #expect(run.output[0][(20 + 550 + tagBytes)...].allSatisfy { $0 == 0 })
        // UDP length: 8 + the plaintext.
        #expect(Int(run.output[0][24]) << 8 | Int(run.output[0][25]) == 8 + 12 + 530 + tagBytes)
        try Self.checkDecrypted(built, run, rtpAt: [2: 30, 3: 31], port: Self.b4.port)
    }

    /// SRTP in TURN ChannelData (RFC 8656 §12.4) in two fragments: the ChannelData length is fixed too.
    @Test func channelDataInFragments() throws {
        let s = try Sender()
        let udp = try s.udp(seq: 40, payloadLength: 500, channel: 0x4001)
        let frames =
            [Self.whole(try s.udp(seq: 39, payloadLength: 160, channel: 0x4001), v6: false, id: 1)]
            + Self.fragments(udp, cuts: [280], v6: false, id: 7)
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.authenticated, .notMedia, .authenticated])
        let payloads = Self.udpPayloads(run.output)
        let plain = s.plaintext[40] ?? []
        #expect(payloads[3] == [0x40, 0x01] + Self.be16(plain.count) + plain)
        #expect(run.output.count == 3)
    }

    /// A large SRTCP compound (SR and a 600-byte APP) in three IPv4 fragments on the RTCP port: the
    /// last fragment loses the SRTCP index and the tag (14 bytes).
    @Test func srtcpCompoundInFragments() throws {
        let s = try Sender()
        var sr: [UInt8] = [0x80, 200, 0, 6] + Self.be32(Self.ssrc) + Self.be32(0xE000_0000) + Self.be32(0x1000)
        sr += Self.be32(48_000) + Self.be32(10) + Self.be32(1600)
        var app: [UInt8] = [0x80, 204] + Self.be16((12 + 600) / 4 - 1) + Self.be32(Self.ssrc) + Array("TEST".utf8)
        app += (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let compound = sr + app
        let srtcp = try s.session.protect(compound, rtcp: true)
        let a = Synth.Endpoint(address: Self.a4.address, port: Self.a4.port + 1)
        let b = Synth.Endpoint(address: Self.b4.address, port: Self.b4.port + 1)
        let udp = IPPacketBuilder.udp(from: a, to: b, payload: srtcp)
        let frames = Self.fragments(udp, cuts: [280, 560], v6: false, id: 44)
        let built = try Self.write(frames, plaintext: [:])
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.notMedia, .notMedia, .authenticated])
        #expect(run.summary.streams.first?.protocolName == "srtcp")
        #expect(run.output.map(\.count) == [built.frames[0].count, built.frames[1].count, built.frames[2].count - 14])
        #expect(Self.udpPayloads(run.output)[3] == compound)
        guard Tshark.present else { return }
        let (status, text) = try Tshark.run([
            "-r", run.outPath, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-d",
            "udp.port==\(b.port),rtcp", "-T", "fields", "-E", "separator=;", "-e", "frame.number", "-e", "rtcp.pt",
            "-e", "rtcp.app.name", "-e", "udp.checksum.status", "-e", "_ws.expert.severity",
        ])
        #expect(status == 0)
        let rows = text.split(separator: "\n").map { $0.split(separator: ";", omittingEmptySubsequences: false) }
        #expect(rows.count == 3)
        #expect(
            rows.last.map { $0.count >= 5 && $0[1] == "200,204" && $0[2] == "TEST" && $0[3] == "1" } == true, "\(rows)")
        #expect(rows.allSatisfy { $0.count >= 5 && $0[4].isEmpty }, "\(rows)")
    }

    // MARK: - Trains left unchanged

    /// A train whose last fragment never comes: held, then written unchanged at the end of the capture,
    /// every frame written, in order, and the decoder's diagnostic names the fragment.
    @Test func trainThatNeverCompletes() throws {
        let s = try Sender()
        var frames = [Self.whole(try s.udp(seq: 50, payloadLength: 160), v6: false, id: 1)]
        frames += Self.fragments(try s.udp(seq: 51, payloadLength: 400), cuts: [280], v6: false, id: 2).prefix(1)
        frames.append(Self.whole(try s.udp(seq: 52, payloadLength: 160), v6: false, id: 3))
        frames.append(Self.whole(try s.udp(seq: 53, payloadLength: 160), v6: false, id: 4))
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.frame) == [1, 2, 3, 4])
        #expect(run.summary.records.map(\.status) == [.authenticated, .notMedia, .authenticated, .authenticated])
        #expect(run.summary.framesHeld >= 3)
        #expect(run.output.count == 4)
        #expect(run.output[1] == built.frames[1], "the lone fragment changed")
        let incomplete = run.summary.diagnostics.filter { $0.code == "fragment.incomplete" }
        #expect(incomplete.count == 1)
        #expect(incomplete.first?.message.contains("frames 2;") == true, "\(incomplete)")
        try Self.checkDecrypted(built, run, rtpAt: [1: 50, 3: 52, 4: 53], port: Self.b4.port)
    }

    /// The same with a look-behind buffer of 2 frames: the train is let go when the buffer fills, and
    /// the frames after it are still decrypted.
    @Test func trainLetGoWhenTheBufferIsFull() throws {
        let s = try Sender()
        var frames = Self.fragments(try s.udp(seq: 60, payloadLength: 400), cuts: [280], v6: false, id: 2).prefix(1)
            .map { $0 }
        for seq in UInt16(61)...65 {
            frames.append(Self.whole(try s.udp(seq: seq, payloadLength: 160), v6: false, id: 9))
        }
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let summary = try Self.decrypt(built, holdFrames: 2).summary
        #expect(summary.records.map(\.frame) == Array(1...6))
        #expect(summary.records.map(\.status) == [.notMedia] + Array(repeating: .authenticated, count: 5))
        #expect(summary.maxHeld <= 3)
    }

    /// A train still incomplete past the decoder's reassembly age (60 s of capture time) is let go then,
    /// not at the end: the frames held behind it are written from there.
    @Test func trainLetGoAfterTheReassemblyAge() throws {
        let s = try Sender()
        var frames = Self.fragments(try s.udp(seq: 100, payloadLength: 400), cuts: [280], v6: false, id: 2).prefix(1)
            .map { $0 }
        for seq in UInt16(101)...104 {
            frames.append(Self.whole(try s.udp(seq: seq, payloadLength: 160), v6: false, id: 9))
        }
        let built = try Self.write(frames, plaintext: s.plaintext, seconds: [0, 1, 2, 61, 62])
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.notMedia] + Array(repeating: .authenticated, count: 4))
        #expect(run.summary.framesHeld == 4, "frame 5 should not have been held")
        #expect(run.summary.diagnostics.contains { $0.code == "fragment.expired" && $0.frame == 1 })
        #expect(run.output[0] == built.frames[0])
    }

    /// A train whose last fragment comes after the look-behind buffer (2 frames) filled: let go, its
    /// fragments written unchanged, and the datagram named when it completes.
    @Test func trainCompletingAfterItWasLetGo() throws {
        let s = try Sender()
        let pieces = Self.fragments(try s.udp(seq: 90, payloadLength: 400), cuts: [280], v6: false, id: 2)
        var frames = [pieces[0]]
        for seq in UInt16(91)...95 {
            frames.append(Self.whole(try s.udp(seq: seq, payloadLength: 160), v6: false, id: 9))
        }
        frames.append(pieces[1])
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built, holdFrames: 2)
        let summary = run.summary
        #expect(summary.records.map(\.status) == [.notMedia] + Array(repeating: .authenticated, count: 5) + [.notMedia])
        let notes = summary.diagnostics.filter { $0.code == "decrypt.fragmented-media" }
        #expect(notes.count == 1)
        #expect(notes.first?.frame == 7)
        #expect(notes.first?.message.contains("frames 1, 7") == true, "\(notes)")
        let written = run.output
        #expect(written.count == 7)
        #expect(written.first == frames[0])
        #expect(written.last == frames[6])
    }

    /// Fragments that overlap (the second repeats the first's last 8 bytes, identical): the decoder
    /// rebuilds the datagram, but the train is not clean, so it is written unchanged and named.
    @Test func overlappingFragmentsStayUnchanged() throws {
        let s = try Sender()
        let udp = try s.udp(seq: 70, payloadLength: 400)
        let frames = [
            Self.ipv4Fragment(udp[0..<280], offset: 0, more: true, id: 3),
            Self.ipv4Fragment(udp[272...], offset: 272, more: false, id: 3),
            Self.whole(try s.udp(seq: 71, payloadLength: 160), v6: false, id: 4),
        ]
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.notMedia, .notMedia, .authenticated])
        #expect(run.output[0] == built.frames[0])
        #expect(run.output[1] == built.frames[1])
        let notes = run.summary.diagnostics.filter { $0.code == "decrypt.fragmented-media" }
        #expect(notes.count == 1)
        #expect(notes.first?.frame == 2)
        #expect(notes.first?.message.contains("frames 1, 2") == true, "\(notes)")
        #expect(notes.first?.message.contains("overlap") == true, "\(notes)")
    }

    /// A packet whose tag fails (a byte of its second fragment changed): counted as failed, its
    /// fragments written unchanged.
    @Test func failedPacketStaysUnchanged() throws {
        let s = try Sender()
        var frames = [Self.whole(try s.udp(seq: 80, payloadLength: 160), v6: false, id: 1)]
        var udp = try s.udp(seq: 81, payloadLength: 400)
        udp[300] ^= 0x01
        // The UDP checksum no longer matches either; srtpdump does not verify it.
        frames += Self.fragments(udp, cuts: [280], v6: false, id: 2)
        let built = try Self.write(frames, plaintext: s.plaintext)
        defer { Self.cleanUp(built) }
        let run = try Self.decrypt(built)
        #expect(run.summary.records.map(\.status) == [.authenticated, .notMedia, .failed])
        #expect(run.output[1] == built.frames[1])
        #expect(run.output[2] == built.frames[2])
        #expect(run.summary.streams.first?.authFailed == 1)
    }
}
