import Analysis
import Capture
import Datagrams
import Foundation
import SRTPDump
import Synth
import TestSupport
import Testing

/// Seeded random captures of fragmented SRTP: forty datagrams, some whole, the rest cut at random
/// multiples of 8 into two to five fragments sent in random order, with one fault each now and then — a
/// fragment missing, one overlapping its neighbour, a conflicting copy, an identical copy. The outcome
/// each must have is known from how it was built: every frame written, in order; clean trains and whole
/// packets decrypted (our decoder and tshark find the plaintext in the output); every frame of a faulty
/// train byte for byte as it came, and the overlapping or conflicting ones named.
@Suite struct FragmentedMediaRandomTests {
    typealias T = FragmentedMediaDecryptTests

    enum Fault: CaseIterable {
        case none, missing, overlap, conflict, duplicate
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomTrains(seed: UInt64) throws {
        var g = TestSupport.SeededGenerator(seed: seed)
        let v6 = seed % 2 == 0
        let s = try T.Sender(v6: v6)
        var frames: [[UInt8]] = []
        var decrypted: [Int: UInt16] = [:]  // frame number → sequence number of the plaintext it completes
        var unchanged: Set<Int> = []
        var named = 0
        for k in 0..<40 {
            let seq = UInt16(100 + k)
            let udp = try s.udp(seq: seq, payloadLength: Int.random(in: 100...1400, using: &g))
            if Int.random(in: 0..<10, using: &g) < 3 {
                frames.append(T.whole(udp, v6: v6, id: 1000 + k))
                decrypted[frames.count] = seq
                continue
            }
            // Fragment bounds: distinct multiples of 8 inside the datagram.
            var cuts = Set<Int>()
            let wanted = Int.random(in: 1...4, using: &g)
            while cuts.count < wanted { cuts.insert(8 * Int.random(in: 1...((udp.count - 1) / 8), using: &g)) }
            let bounds = [0] + cuts.sorted() + [udp.count]
            var pieces = (0..<(bounds.count - 1)).map { (start: bounds[$0], end: bounds[$0 + 1], flip: false) }
            let fault = Fault.allCases.randomElement(using: &g) ?? .none
            switch fault {
            case .none, .duplicate, .conflict: break
            case .missing: pieces.remove(at: Int.random(in: 0..<pieces.count, using: &g))
            case .overlap:
                let i = Int.random(in: 1..<pieces.count, using: &g)
                pieces[i].start -= 8  // the same bytes as the end of the previous fragment
            }
            pieces.shuffle(using: &g)
            if fault == .duplicate || fault == .conflict {
                // The copy arrives before the datagram completes (never after its last fragment).
                let i = Int.random(in: 0..<(pieces.count - 1), using: &g)
                var copy = pieces[i]
                copy.flip = fault == .conflict
                pieces.insert(copy, at: i + 1)
            }
            let id = 1 + k
            var numbers: [Int] = []
            for p in pieces {
                var data = udp[p.start..<p.end]
                if p.flip { data[data.startIndex] ^= 0xFF }
                let more = p.end < udp.count
                frames.append(
                    v6
                        ? T.ipv6Fragment(data, offset: p.start, more: more, id: UInt32(id))
                        : T.ipv4Fragment(data, offset: p.start, more: more, id: id))
                numbers.append(frames.count)
            }
            switch fault {
            case .none, .duplicate: decrypted[numbers.last ?? 0] = seq
            case .missing: unchanged.formUnion(numbers)
            case .overlap, .conflict:
                unchanged.formUnion(numbers)
                named += 1
            }
        }
        let built = try T.write(frames, plaintext: s.plaintext)
        defer { T.cleanUp(built) }
        let run = try T.decrypt(built)

        #expect(run.output.count == frames.count)
        #expect(run.summary.records.map(\.frame) == Array(1...frames.count))
        for n in unchanged.sorted() { #expect(run.output[n - 1] == frames[n - 1], "seed \(seed): frame \(n) changed") }
        let payloads = T.udpPayloads(run.output)
        for (n, seq) in decrypted.sorted(by: { $0.key < $1.key }) {
            #expect(payloads[n] == s.plaintext[seq], "seed \(seed): frame \(n) is not seq \(seq)'s plaintext")
            #expect(run.summary.records[n - 1].status == .authenticated, "seed \(seed): frame \(n)")
        }
        #expect(
            run.summary.diagnostics.filter { $0.code == "decrypt.fragmented-media" }.count == named,
            "seed \(seed): \(run.summary.diagnostics.filter { $0.code.hasPrefix("decrypt.") })")

        guard Tshark.present else { return }
        let rows = try T.tshark(run.outPath, port: v6 ? T.b6.port : T.b4.port)
        #expect(rows.count == frames.count)
        for row in rows where row.count >= 6 {
            guard let n = Int(row[0]) else { continue }
            #expect(row[3].isEmpty || row[3] == "1", "seed \(seed): tshark frame \(n): IPv4 checksum \(row[3])")
            guard let seq = decrypted[n] else { continue }
            #expect(row[1] == String(seq), "seed \(seed): tshark frame \(n): \(row.prefix(2))")
            let payload = s.plaintext[seq].map { Array($0[12...]) } ?? []
            #expect(row[2].replacingOccurrences(of: ":", with: "") == T.hex(payload), "seed \(seed): frame \(n)")
            #expect(row[4] == "1", "seed \(seed): tshark frame \(n): UDP checksum \(row[4])")
        }
    }
}
