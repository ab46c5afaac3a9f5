import Testing
import TestSupport

@testable import Transforms

/// RFC 3711 Appendix A index estimation: wraps, loss, reordering, and no advance without authentication.
struct IndexEstimatorTests {
    @Test("in order across a wrap: the ROC steps at 65535 → 0")
    func wrap() {
        var e = IndexEstimator(initialROC: 7)
        for seq in [UInt16(65533), 65534, 65535, 0, 1, 2] {
            let (index, _) = e.estimate(sequence: seq)
            e.update(index: index)
        }
        #expect(e.roc == 8)
        #expect(e.highestIndex == 8 << 16 | 2)
    }

    @Test("late packets from before the wrap keep the old ROC")
    func reorderedAcrossWrap() {
        var e = IndexEstimator(initialROC: 3)
        for seq in [UInt16(65530), 2] { e.update(index: e.estimate(sequence: seq).index) }
        #expect(e.roc == 4)
        let late = e.estimate(sequence: 65534)
        #expect(late.roc == 3)
        #expect(late.index == 3 << 16 | 65534)
        e.update(index: late.index)  // older than the highest: nothing moves
        #expect(e.highestIndex == 4 << 16 | 2)
    }

    @Test("an early packet before the first seen: ROC − 1 clamps at 0")
    func clampAtZero() {
        var e = IndexEstimator()
        e.update(index: e.estimate(sequence: 10).index)
        #expect(e.estimate(sequence: 65000).index == 65000)  // would be ROC −1; taken as 0
        var f = IndexEstimator(initialROC: 2)
        f.update(index: f.estimate(sequence: 10).index)
        #expect(f.estimate(sequence: 65000).index == 1 << 16 | 65000)
    }

    @Test("loss of up to 32767 packets keeps the ROC; more than that looks like a step back")
    func loss() {
        var e = IndexEstimator()
        e.update(index: e.estimate(sequence: 40000).index)
        #expect(e.estimate(sequence: 40000 &+ 30000).roc == 1)  // 70000 mod 65536 = 4464, ahead by 30000
        #expect(e.estimate(sequence: 10000).roc == 0)  // 30000 behind: the same ROC
        #expect(e.estimate(sequence: 7000).roc == 1)  // 33000 behind: taken as ahead across the wrap
    }

    @Test("an unauthenticated packet does not move the state", arguments: providerNames)
    func noAdvanceWithoutAuthentication(_ name: String) throws {
        let policy = SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [MasterKey(key: Array(0..<16), salt: Array(0..<14))])
        let sender = try SRTPStream(ssrc: 1, policy: policy, provider: provider(name))
        let receiver = try SRTPStream(ssrc: 1, policy: policy, provider: provider(name))
        let packet: [UInt8] = [0x80, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 1] + Array(repeating: 7, count: 20)
        var forged = try sender.protectRTP(packet, roc: 0)
        forged[2] = 0x80  // sequence 0x8034: authenticates with no key we have
        #expect(try receiver.unprotectRTP(forged).0.verdict == .failed(.tagMismatch))
        #expect(receiver.estimator.highestIndex == nil)
        #expect(try receiver.unprotectRTP(try sender.protectRTP(packet, roc: 0)).0.verdict == .authenticated)
        #expect(receiver.estimator.highestIndex == 0x1234)
    }
}

/// RFC 3711 §3.3.2 replay list: duplicates and too-old packets are reported, still decrypted.
struct ReplayWindowTests {
    @Test("fresh, duplicate and too old around a window of 128")
    func window() {
        var w = ReplayWindow()
        #expect(w.check(1000) == .fresh)
        w.mark(1000)
        #expect(w.check(1000) == .duplicate)
        #expect(w.check(999) == .fresh)
        w.mark(999)
        #expect(w.check(999) == .duplicate)
        #expect(w.check(1000 - 127) == .fresh)
        #expect(w.check(1000 - 128) == .tooOld)
        w.mark(1100)  // slide by 100: 1000 and 999 stay in the window (bits 100, 101)
        #expect(w.check(1000) == .duplicate)
        #expect(w.check(999) == .duplicate)
        #expect(w.check(998) == .fresh)
        w.mark(1100 + 64)  // slide by exactly 64
        #expect(w.check(1100) == .duplicate)
        #expect(w.check(1000) == .tooOld)
        w.mark(5000)  // far jump clears everything
        #expect(w.check(4999) == .fresh)
        #expect(w.check(1164) == .tooOld)
    }

    @Test("against a set-based model on a random walk, for settable sizes", arguments: [64, 100, 128, 1000, 1024])
    func model(size: Int) {
        var rng = SeededGenerator(seed: 42 &+ UInt64(size))
        var w = ReplayWindow(size: size)
        #expect(w.size == size)
        var seen = Set<UInt64>()
        var highest: UInt64 = 0
        for step in 0..<20_000 {
            // Mostly near the top, some just outside the window, now and then a jump past the ring.
            let i: UInt64
            if step % 997 == 0 {
                i = highest + UInt64.random(in: 1000...3000, using: &rng)
            } else {
                let span = UInt64(size) + 70
                let base = highest > span ? highest - span : 0
                i = UInt64.random(in: base...(highest + UInt64(size) / 2 + 3), using: &rng)
            }
            let expected: ReplayWindow.Check =
                seen.isEmpty || i > highest
                ? .fresh : (highest - i >= UInt64(size) ? .tooOld : (seen.contains(i) ? .duplicate : .fresh))
            #expect(w.check(i) == expected, "size \(size), index \(i), highest \(highest)")
            w.mark(i)
            seen.insert(i)
            highest = seen.count == 1 ? i : max(highest, i)
        }
    }

    @Test("equal when every check answers alike; indices near the top of UInt64")
    func equalityAndTop() {
        var a = ReplayWindow(size: 64)
        a.mark(0)
        a.mark(100)  // 0 left the window: its ring bit no longer counts
        var b = ReplayWindow(size: 64)
        b.mark(100)
        #expect(a == b)
        b.mark(99)
        #expect(a != b)
        #expect(ReplayWindow(size: 64) != ReplayWindow(size: 65))
        var top = ReplayWindow()
        top.mark(UInt64.max - 5)
        top.mark(UInt64.max)
        #expect(top.check(UInt64.max) == .duplicate)
        #expect(top.check(UInt64.max - 5) == .duplicate)
        #expect(top.check(UInt64.max - 4) == .fresh)
        #expect(top.check(UInt64.max - 128) == .tooOld)
    }

    @Test("sizes outside 64…1024 are clamped")
    func clamped() {
        #expect(ReplayWindow(size: 8).size == 64)
        #expect(ReplayWindow(size: 1 << 20).size == 1024)
        #expect(ReplayWindow().size == 128)
    }

    @Test("a replayed SRTP packet is reported and decrypted", arguments: providerNames)
    func replayedPacket(_ name: String) throws {
        let policy = SRTPPolicy(suite: .aeadAES128GCM, keys: [MasterKey(key: Array(0..<16), salt: Array(0..<12))])
        let sender = try SRTPStream(ssrc: 1, policy: policy, provider: provider(name))
        let receiver = try SRTPStream(ssrc: 1, policy: policy, provider: provider(name))
        let packet: [UInt8] = [0x80, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1] + Array(repeating: 7, count: 20)
        let wire = try sender.protectRTP(packet, roc: 0)
        #expect(try receiver.unprotectRTP(wire).0.verdict == .authenticated)
        let (r, out) = try receiver.unprotectRTP(wire)
        #expect(r.verdict == .replayed)
        #expect(out == packet)
    }
}
