import Capture
import TestSupport
import Testing

@testable import Signalling

/// Mangled SIP sequences: the tracker must neither crash nor grow without bound, and must still follow
/// the well-formed messages around the bad ones.
struct DialogTrackerHostileTests {
    static let invite = Fixtures.mediasecInvite

    @Test("randomly mutated INVITEs and responses in one call: no crash, bounded state")
    func mutatedSequences() {
        var rng = SeededGenerator(seed: 4568)  // deterministic: a failure can be replayed
        let t = DialogTracker()
        for frame in 1...2000 {
            var bytes = Self.invite
            for _ in 0..<Int(rng.next() % 8) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            // Now and then turn it into a response with a random To-tag.
            if rng.next() % 3 == 0, let m = SIPMessageParser.parse(bytes).message {
                var r = m
                r.startLine = .response(version: "SIP/2.0", statusCode: Int(100 + rng.next() % 600), reason: "X")
                r.headers = r.headers.map { h in
                    var h = h
                    if h.name == "To" { h.value += ";tag=t\(rng.next() % 100)" }
                    return h
                }
                t.process(r, context: SIPMessageContext(frame: frame, time: nil))
            } else if let m = SIPMessageParser.parse(bytes).message {
                t.process(m, context: SIPMessageContext(frame: frame, time: nil))
            }
        }
        #expect(!t.dialogs.isEmpty)
        for d in t.dialogs {
            #expect(d.exchanges.count <= DialogTracker.maxExchanges)
            #expect(d.failures.count <= DialogTracker.maxPerDialog)
            #expect(d.diagnostics.count <= DialogTracker.maxPerDialog)
        }
        #expect(
            t.dialogs.filter { $0.callID == "3848276298220188511@ua1.example.com" }.count
                <= DialogTracker.maxDialogsPerCall)
    }
}
