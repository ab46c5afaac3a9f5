import Capture
import Testing

@testable import Signalling

/// The `dialogs` limit (issue 7): past it the calls idle longest are evicted, with a diagnostic, and the
/// tracker's state stays bounded whatever the number of Call-IDs.
struct DialogEvictionTests {
    /// Sends one request or response of call `n` (Call-ID `call-n`) to `tracker`.
    @discardableResult
    static func send(
        _ tracker: DialogTracker, call n: Int, frame: Int, start: String = "INVITE sip:bob@example.com SIP/2.0",
        cseq: String = "1 INVITE", toTag: String? = nil
    ) -> [Diagnostic] {
        var h = "\(start)\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK\(n)x\(frame)\n"
        h += "From: <sip:alice@example.com>;tag=a\(n)\nTo: <sip:bob@example.com>" + (toTag.map { ";tag=\($0)" } ?? "")
        h += "\nCall-ID: call-\(n)\nCSeq: \(cseq)\nMax-Forwards: 70"
        guard let m = SIPMessageParser.parse(Fixtures.message(headers: h, body: [])).message else {
            Issue.record("fixture did not parse")
            return []
        }
        return tracker.process(m, context: SIPMessageContext(frame: frame, time: nil))
    }

    static func evictionWarnings(_ d: [Diagnostic]) -> [Diagnostic] {
        d.filter { $0.code == SignallingCode.limit && $0.field == "SIP Call-ID" }
    }

    @Test("the call idle longest goes first; a later message of it starts it afresh")
    func idlestFirst() {
        let t = DialogTracker()
        t.callLimit = 8
        for n in 0..<8 { Self.send(t, call: n, frame: n + 1) }
        // Calls 0…3 and 5…7 stay active; call 4 (last message in frame 5) is the idlest.
        var frame = 9
        for n in [0, 1, 2, 3, 5, 6, 7] {
            Self.send(t, call: n, frame: frame, start: "SIP/2.0 180 Ringing", toTag: "b\(n)")
            frame += 1
        }
        let found = Self.send(t, call: 8, frame: frame)
        let warnings = Self.evictionWarnings(found)
        #expect(warnings.count == 1)
        #expect(warnings.first?.frame == frame)
        #expect(warnings.first?.severity == .warning)
        #expect(warnings.first?.message.contains("frame 5 or before") == true)
        #expect(t.evictedCalls == 1)
        #expect(t.dialogs.map(\.callID).sorted() == ["call-0", "call-1", "call-2", "call-3", "call-5", "call-6", "call-7", "call-8"])
        #expect(t.evicted.map(\.callID) == ["call-4"])
        #expect(t.dialogs(ofCall: "call-4").isEmpty)
        // Positions moved; each call still reaches its own dialog (its To-tag from the 180).
        for n in [0, 1, 2, 3, 5, 6, 7] { #expect(t.dialogs(ofCall: "call-\(n)").map(\.toTag) == ["b\(n)"]) }
        // Every dialog, evicted or not, in creation order by serial.
        #expect(t.allDialogs.map(\.serial) == Array(0..<9))
        #expect(t.allDialogs.map(\.callID) == (0..<9).map { "call-\($0)" })

        // Call 4 comes back: a new call, and the idlest now (call 0's last message is in frame 9) goes.
        frame += 1
        let again = Self.send(t, call: 4, frame: frame, start: "BYE sip:bob@example.com SIP/2.0", cseq: "2 BYE", toTag: "b4")
        #expect(t.dialogs(ofCall: "call-4").count == 1)
        #expect(t.dialogs(ofCall: "call-0").isEmpty)
        #expect(t.evictedCalls == 2)
        // The 2nd eviction is reported (1st, 2nd, 4th, 8th …).
        #expect(Self.evictionWarnings(again).count == 1)
        #expect(t.allDialogs.filter { $0.callID == "call-4" }.count == 2)
    }

    @Test("a flood of Call-IDs: state bounded, warnings logarithmic, evicted dialogs dropped when not retained")
    func flood() {
        let t = DialogTracker()
        t.callLimit = 64
        t.retainsEvicted = false
        var warnings = 0
        let calls = 20_000
        for n in 0..<calls { warnings += Self.evictionWarnings(Self.send(t, call: n, frame: n + 1)).count }
        #expect(t.dialogs.count <= 64)
        #expect(t.evicted.isEmpty)
        #expect(t.evictedCalls + t.dialogs.count == calls)
        // One eviction per 8 new calls past the limit: ~2,500 evictions, reported at powers of two.
        #expect(warnings >= 10 && warnings <= 13)
        // The newest calls are the ones followed.
        #expect(t.dialogs.last?.callID == "call-\(calls - 1)")
        #expect(t.dialogs(ofCall: "call-\(calls - 1)").count == 1)
        #expect(t.dialogs(ofCall: "call-0").isEmpty)
    }

    @Test("below the limit nothing is evicted and serials are positions")
    func belowLimit() {
        let t = DialogTracker()
        for n in 0..<100 { #expect(Self.evictionWarnings(Self.send(t, call: n, frame: n + 1)).isEmpty) }
        #expect(t.evictedCalls == 0)
        #expect(t.dialogs.enumerated().allSatisfy { $0.offset == $0.element.serial })
    }
}
