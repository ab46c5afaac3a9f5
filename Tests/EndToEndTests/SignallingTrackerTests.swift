import Capture
import Datagrams
import Foundation
import SRTPDump
import Testing
import TestSupport

/// The signalling tracker enters a dialog's keys into the book when its exchanges change, not on every
/// SIP message of the call (a large INVITE followed by thousands of small messages made that quadratic).
@Suite struct SignallingTrackerTests {
    static func track(_ name: String) throws -> SignallingTracker {
        let tracker = try SignallingTracker()
        let decoder = FrameDecoder()
        for f in try CaptureReader(path: SharedFiles.captures.appendingPathComponent(name).path).allFrames() {
            tracker.observe(f, decoder.decode(f))
        }
        return tracker
    }

    @Test("demo-call: 7 SIP messages, keys entered twice (the INVITE's offer, the 200 OK's answer)")
    func keysAreEnteredWhenTheExchangeChanges() throws {
        let t = try Self.track("demo-call.pcap")
        #expect(t.sipMessages >= 5)
        #expect(t.dialogsEntered == 2, "\(t.dialogsEntered) entries for \(t.sipMessages) messages")
        // Both keys, the offer's chosen by the answer, in effect from the answer's frame.
        #expect(t.book.entries.count == 2)
        #expect(t.book.entries.allSatisfy { $0.selected && $0.effectiveFrame == 4 })
    }

    @Test("a re-INVITE's new keys are entered, and only then")
    func reinviteEntersItsKeys() throws {
        let t = try Self.track("reinvite-rekey.pcap")
        #expect(t.book.entries.count == 4)
        #expect(t.dialogsEntered == 4, "\(t.dialogsEntered) entries for \(t.sipMessages) messages")
    }
}
