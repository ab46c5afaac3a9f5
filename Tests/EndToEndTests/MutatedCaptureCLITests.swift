import Capture
import Foundation
import Testing
import TestSupport

/// Issue 7's acceptance, through the built binary: mutated captures — bit flips, truncation, impossible
/// lengths, corrupted key lines, a lying Content-Length — never make `dissect` or `decrypt` crash, hang
/// or exit with a status other than 0, 1 or 2, and `decrypt` always writes exactly the input's frames.
///
/// The fuzz targets `decrypt-pass` and `dissect-pass` check the same properties on the library, with
/// random bytes; this suite checks the command-line shell around it too (its exit statuses, the file it
/// writes, what it prints), on mutants of the bundled captures that stay close to real calls: the
/// signalling still parses, the keys are still found, and the media still decrypts around the damage.
@Suite struct MutatedCaptureCLITests {
    enum Mutation: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case bitFlips, truncation, impossibleLengths, corruptedKeyLines, lyingContentLength
        var testDescription: String { rawValue }
    }

    /// Captures with SIP and SDP keys, over the link layers, transports and key attributes srtpdump
    /// reads: SDES over UDP (Ethernet), SIP over TCP in pcapng, a fragmented INVITE, MS-SSRTP with
    /// `a=cryptoscale`, MS-RTPME with `k=base64:`, media relayed in TURN ChannelData.
    static let captures = [
        "demo-call.pcap", "sip-tcp-early-media.pcapng", "fragmented-invite.pcap", "ssrtp-cryptoscale.pcap",
        "rtpme-k-base64.pcap", "turn-channeldata.pcap",
    ]

    /// Mutants made of each capture by each mutation.
    static let mutantsPerCase = 3

    /// A run that takes longer than this is a hang (the captures take well under a second each).
    static let timeout: TimeInterval = 120

    @Test(arguments: Mutation.allCases, captures)
    func neverCrashesAndDecryptWritesEveryFrame(_ mutation: Mutation, _ capture: String) throws {
        let original = try [UInt8](Data(contentsOf: Paths.captures.appendingPathComponent(capture)))
        let layout = CaptureLayout(original)
        for n in 0..<Self.mutantsPerCase {
            let label = "\(capture), \(mutation.rawValue) #\(n)"
            var rng = SeededGenerator(seed: Self.seed(label))
            let mutant = try #require(
                Mutator(original, layout).mutant(mutation, using: &rng), "\(label): nothing to mutate")
            #expect(mutant != original, "\(label): the mutant is the original")
            let ext = (capture as NSString).pathExtension
            let input = MalformedCorpus.temp(ext)
            defer { try? FileManager.default.removeItem(atPath: input) }
            try Data(mutant).write(to: URL(fileURLWithPath: input))
            try check(input, ext: ext, label)
        }
    }

    /// The checks on one mutant: both commands end by themselves with 0, 1 or 2; a file the reader can
    /// open is never called unreadable, is dissected frame by frame, and is written back whole by decrypt.
    private func check(_ input: String, ext: String, _ label: String) throws {
        // What the library's reader yields of the mutant; nil when it cannot be opened as a capture, or
        // is one whose file header is cut short (reported, then exit status 2).
        let reader = try? CaptureReader(path: input)
        let frames = reader.flatMap { r -> [Frame]? in
            let all = r.allFrames()
            return r.hasReadableHeader ? all : nil  // pcapng: known once its Section Header Block was read
        }

        let d = try run(Paths.srtpdump.path, ["dissect", input, "--srtp", "--format", "json"], timeout: Self.timeout)
        try expectOrderlyEnd(d, "\(label): dissect")
        if let frames {
            #expect(d.status != 2, "\(label): dissect called a readable capture unreadable: \(d.errorText)")
            // One JSON object per line: frames 1, 2, … once each, in order, file diagnostics between them.
            let lines = try jsonLines(d.stdout)
            let shown = lines.filter { $0["diagnostic"] == nil }.map { $0["frame"] as? Int ?? 0 }
            #expect(shown == (0..<frames.count).map { $0 + 1 },
                    "\(label): dissect showed \(shown.count) frame lines for \(frames.count) frames")
        } else {
            #expect(d.status == 2, "\(label): an unreadable capture, dissect exited \(d.status)")
        }

        let out = MalformedCorpus.temp(ext)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(Paths.srtpdump.path, ["decrypt", input, "-w", out, "--format", "json"], timeout: Self.timeout)
        try expectOrderlyEnd(r, "\(label): decrypt")
        guard let frames else {
            #expect(r.status == 2, "\(label): an unreadable capture, decrypt exited \(r.status)")
            return
        }
        #expect(r.status != 2, "\(label): decrypt called a readable capture unreadable: \(r.errorText)")
        // MS-RTPME has no tag: an RTP stream is taken only once a second packet continues the first, so
        // no such stream is authenticated on one packet (a wrong key's chance decryption would be).
        if let report = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any],
            let streams = report["streams"] as? [[String: Any]]
        {
            for st in streams where st["protocol"] as? String == "rtpme" && st["payload_types"] != nil {
                let authenticated = st["authenticated"] as? Int ?? 0
                #expect(authenticated != 1, "\(label): MS-RTPME stream \(st["ssrc"] ?? "?") taken on one packet")
            }
        } else {
            Issue.record("\(label): decrypt printed no JSON report")
        }
        let written = try MalformedCorpus.frames(out)
        #expect(written.count == frames.count, "\(label): decrypt wrote \(written.count) of \(frames.count) frames")
        for (a, b) in zip(frames, written) where a.timestamp != b.timestamp {
            Issue.record("\(label): frame \(a.number) written at \(b.timestamp), read at \(a.timestamp)")
            break
        }
    }

    private func expectOrderlyEnd(_ r: ProcessResult, _ label: String) throws {
        try #require(!r.timedOut, "\(label) hung (killed after \(Int(Self.timeout)) s)")
        try #require(r.exited, "\(label) killed by signal \(r.status): \(r.errorText.suffix(2000))")
        #expect([0, 1, 2].contains(r.status), "\(label) exited \(r.status): \(r.errorText.suffix(2000))")
    }

    /// FNV-1a of the case's name: each mutant has its own seed, the same on every run.
    static func seed(_ name: String) -> UInt64 {
        name.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// Where a capture's records, and the length fields in and around them, are: enough of pcap and pcapng
/// to aim the "impossible lengths" mutation at fields a reader trusts.
struct CaptureLayout {
    /// A length field: its offset in the file, its width in bytes (1, 2 or 4) and its byte order.
    struct Field { var offset: Int; var width: Int; var bigEndian: Bool }

    /// Record and block headers: pcap caplen and len; pcapng block total length, EPB captured and
    /// original lengths.
    var recordFields: [Field] = []
    /// In the packets: IPv4 total length, IPv6 payload length, UDP length, and the first byte of the UDP
    /// payload (RTP's V/P/X/CC).
    var packetFields: [Field] = []

    init(_ bytes: [UInt8]) {
        guard bytes.count >= 24 else { return }
        let magicLE = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        if magicLE == 0x0A0D_0D0A { walkPcapng(bytes) } else { walkPcap(bytes, bigEndian: magicLE == 0xD4C3_B2A1 || magicLE == 0x4D3C_B2A1) }
    }

    private static func read32(_ b: [UInt8], _ at: Int, _ bigEndian: Bool) -> Int? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        let v = bigEndian
            ? UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
            : UInt32(b[at + 3]) << 24 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 1]) << 8 | UInt32(b[at])
        return Int(v)
    }

    private mutating func walkPcap(_ b: [UInt8], bigEndian: Bool) {
        guard let link = Self.read32(b, 20, bigEndian) else { return }
        var at = 24
        while let caplen = Self.read32(b, at + 8, bigEndian), at + 16 + caplen <= b.count {
            recordFields += [Field(offset: at + 8, width: 4, bigEndian: bigEndian),
                             Field(offset: at + 12, width: 4, bigEndian: bigEndian)]
            addPacketFields(b, data: at + 16, length: caplen, link: link & 0xFFFF)
            at += 16 + caplen
        }
    }

    private mutating func walkPcapng(_ b: [UInt8]) {
        var at = 0
        var bigEndian = false
        var links: [Int] = []
        while at + 12 <= b.count {
            if Self.read32(b, at, false) == 0x0A0D_0D0A {
                bigEndian = Self.read32(b, at + 8, true) == 0x1A2B_3C4D
                links = []
            }
            guard let type = Self.read32(b, at, bigEndian), let total = Self.read32(b, at + 4, bigEndian),
                  total >= 12, at + total <= b.count else { return }
            recordFields.append(Field(offset: at + 4, width: 4, bigEndian: bigEndian))
            if type == 1, let word = Self.read32(b, at + 8, bigEndian) {
                links.append(bigEndian ? word >> 16 : word & 0xFFFF)
            } else if type == 6, let interface = Self.read32(b, at + 8, bigEndian),
                      let caplen = Self.read32(b, at + 20, bigEndian), at + 28 + caplen <= at + total {
                recordFields += [Field(offset: at + 20, width: 4, bigEndian: bigEndian),
                                 Field(offset: at + 24, width: 4, bigEndian: bigEndian)]
                if interface < links.count { addPacketFields(b, data: at + 28, length: caplen, link: links[interface]) }
            }
            at += total
        }
    }

    /// IP and UDP behind the link layers of the bundled captures (Ethernet with VLAN tags, Linux cooked
    /// SLL and SLL2, raw IP, BSD loopback).
    private mutating func addPacketFields(_ b: [UInt8], data: Int, length: Int, link: Int) {
        let end = data + length
        var ip: Int
        switch link {
        case 1:
            ip = data + 14
            while ip <= end, b[ip - 2] == 0x81, b[ip - 1] == 0x00 { ip += 4 }
        case 113: ip = data + 16
        case 276: ip = data + 20
        case 101, 12: ip = data
        case 0: ip = data + 4
        default: return
        }
        guard ip + 40 <= end else { return }
        var udp: Int
        switch b[ip] >> 4 {
        case 4:
            packetFields.append(Field(offset: ip + 2, width: 2, bigEndian: true))
            guard b[ip + 9] == 17 else { return }
            udp = ip + Int(b[ip] & 0x0F) * 4
        case 6:
            packetFields.append(Field(offset: ip + 4, width: 2, bigEndian: true))
            guard b[ip + 6] == 17 else { return }
            udp = ip + 40
        default: return
        }
        guard udp + 9 <= end else { return }
        packetFields += [Field(offset: udp + 4, width: 2, bigEndian: true), Field(offset: udp + 8, width: 1, bigEndian: true)]
    }
}

/// Makes one mutant of a capture.
struct Mutator {
    var bytes: [UInt8]
    let layout: CaptureLayout

    init(_ bytes: [UInt8], _ layout: CaptureLayout) {
        self.bytes = bytes
        self.layout = layout
    }

    /// The mutant, or nil when the capture has nothing this mutation aims at.
    func mutant(_ mutation: MutatedCaptureCLITests.Mutation, using rng: inout SeededGenerator) -> [UInt8]? {
        var m = self
        for _ in 0..<16 {
            let changed: Bool
            switch mutation {
            case .bitFlips: changed = m.flipBits(using: &rng)
            case .truncation: changed = m.truncate(using: &rng)
            case .impossibleLengths: changed = m.breakLengths(using: &rng)
            case .corruptedKeyLines: changed = m.corruptKeyLines(using: &rng)
            case .lyingContentLength: changed = m.lieAboutContentLength(using: &rng)
            }
            guard changed else { return nil }
            if m.bytes != bytes { return m.bytes }
        }
        return nil
    }

    /// 1 to 16 bits flipped, past the file header (one mutant in eight anywhere).
    private mutating func flipBits(using rng: inout SeededGenerator) -> Bool {
        let from = Int.random(in: 0..<8, using: &rng) == 0 ? 0 : min(24, bytes.count - 1)
        for _ in 0..<Int.random(in: 1...16, using: &rng) {
            bytes[Int.random(in: from..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        }
        return true
    }

    /// The file cut anywhere: in its header, a record's header or a record's data.
    private mutating func truncate(using rng: inout SeededGenerator) -> Bool {
        bytes.removeLast(Int.random(in: 1..<bytes.count, using: &rng))
        return true
    }

    /// One to four length fields given values no capture should hold: zero, one, all ones, one more than
    /// the field held, a random value; the RTP first byte becomes V=2 with P, X and CC=15 in mixes.
    private mutating func breakLengths(using rng: inout SeededGenerator) -> Bool {
        let fields = layout.recordFields + layout.packetFields
        guard !fields.isEmpty else { return false }
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            // Packet fields half of the time: there are fewer of them, and they reach the dissectors.
            let pool = layout.packetFields.isEmpty || Bool.random(using: &rng) ? fields : layout.packetFields
            let f = pool[Int.random(in: 0..<pool.count, using: &rng)]
            let maxValue: UInt64 = f.width == 4 ? 0xFFFF_FFFF : f.width == 2 ? 0xFFFF : 0xFF
            let value: UInt64
            if f.width == 1 {
                value = [0x9F, 0xBF, 0xAF, 0xFF, 0x80][Int.random(in: 0..<5, using: &rng)]
            } else {
                let held = read(f)
                value = [0, 1, maxValue, (held + 1) & maxValue, UInt64.random(in: 0...maxValue, using: &rng)][
                    Int.random(in: 0..<5, using: &rng)]
            }
            write(value, f)
        }
        return true
    }

    private func read(_ f: CaptureLayout.Field) -> UInt64 {
        (0..<f.width).reduce(0) { v, i in
            v | UInt64(bytes[f.offset + i]) << (8 * UInt64(f.bigEndian ? f.width - 1 - i : i))
        }
    }

    private mutating func write(_ value: UInt64, _ f: CaptureLayout.Field) {
        for i in 0..<f.width {
            bytes[f.offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(f.bigEndian ? f.width - 1 - i : i)))
        }
    }

    /// One to three key lines (`a=crypto`, `a=cryptoscale`, `k=base64:`) with one to four characters
    /// changed in place: bad base64, a key of the wrong length once decoded, a broken suite name, tag,
    /// lifetime or MKI.
    private mutating func corruptKeyLines(using rng: inout SeededGenerator) -> Bool {
        let anchors = ["a=crypto:", "a=cryptoscale:", "k=base64:"].map { Array($0.utf8) }
        let lines = anchors.flatMap { occurrences(of: $0) }
        guard !lines.isEmpty else { return false }
        let alphabet = Array("AZaz09+/=!|:;-~^ ".utf8)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let start = lines[Int.random(in: 0..<lines.count, using: &rng)]
            var end = start
            // To the end of the line, or of the record's text (a line cut by a segment boundary).
            while end < bytes.count, end - start < 120, (0x20...0x7E).contains(bytes[end]) { end += 1 }
            guard end > start else { continue }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: start..<end, using: &rng)] = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
            }
        }
        return true
    }

    /// A Content-Length header (or its compact form `l:`) rewritten in place, the same width: larger
    /// than the body, smaller, zero, negative, or random digits. Over TCP this moves message framing.
    private mutating func lieAboutContentLength(using rng: inout SeededGenerator) -> Bool {
        let values = occurrences(of: Array("\nContent-Length:".utf8), caseInsensitive: true)
            + occurrences(of: Array("\nl:".utf8))
        guard !values.isEmpty else { return false }
        var start = values[Int.random(in: 0..<values.count, using: &rng)]
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        var end = start
        while end < bytes.count, (0x30...0x39).contains(bytes[end]) { end += 1 }
        let width = end - start
        guard width > 0 else { return true }
        let lie: String
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: lie = String(repeating: "9", count: width)
        case 1: lie = String(repeating: "0", count: width)
        case 2 where width >= 2: lie = "-" + String(repeating: "1", count: width - 1)
        default: lie = String((0..<width).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
        }
        bytes.replaceSubrange(start..<end, with: Array(lie.utf8))
        return true
    }

    /// The offsets just past each occurrence of `needle`.
    private func occurrences(of needle: [UInt8], caseInsensitive: Bool = false) -> [Int] {
        func fold(_ c: UInt8) -> UInt8 { caseInsensitive && (0x41...0x5A).contains(c) ? c | 0x20 : c }
        let n = needle.map(fold)
        guard bytes.count >= n.count else { return [] }
        var found: [Int] = []
        for i in 0...(bytes.count - n.count) where fold(bytes[i]) == n[0] {
            if (1..<n.count).allSatisfy({ fold(bytes[i + $0]) == n[$0] }) { found.append(i + n.count) }
        }
        return found
    }
}
