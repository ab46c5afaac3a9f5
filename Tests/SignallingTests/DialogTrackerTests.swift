import Capture
import Datagrams
import Testing

@testable import Signalling

/// Hand-written SIP sequences (RFC 3261 §24, RFC 3264 §10, RFC 3262, RFC 3311 flows, shortened) fed
/// to the dialog tracker with frame numbers, as the pipeline does.
struct DialogTrackerTests {
    /// A call's messages, built from a few parameters; frames count up from 1.
    struct Call {
        var callID = "a84b4c76e66710@pc33.example.com"
        var callerTag = "1928301774"
        let tracker = DialogTracker()
        var frame = 0

        static func sdp(
            _ ip: String, _ port: Int, key: String? = nil, tag: Int = 1, version: Int = 1, extra: String = ""
        ) -> String {
            var s = "v=0\no=- 1 \(version) IN IP4 \(ip)\ns=-\nc=IN IP4 \(ip)\nt=0 0\nm=audio \(port) RTP/SAVP 0\n"
            if let key { s += "a=crypto:\(tag) AES_CM_128_HMAC_SHA1_80 inline:\(key)\n" }
            return s + extra
        }

        /// A message: `start` is the start line; `toTag` nil leaves To without tag; `fromCaller` false
        /// swaps From and To (a request from the callee).
        @discardableResult
        mutating func send(
            _ start: String, cseq: String, toTag: String?, fromCaller: Bool = true, sdp: String? = nil,
            extraHeaders: String = ""
        ) -> [Diagnostic] {
            frame += 1
            let caller = "Alice <sip:alice@atlanta.example.com>;tag=\(callerTag)"
            let callee = "Bob <sip:bob@biloxi.example.com>" + (toTag.map { ";tag=\($0)" } ?? "")
            var h = "\(start)\nVia: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
            h += fromCaller ? "From: \(caller)\nTo: \(callee)\n" : "From: \(callee)\nTo: \(caller)\n"
            h += "Call-ID: \(callID)\nCSeq: \(cseq)\nMax-Forwards: 70\n"
            if !extraHeaders.isEmpty { h += extraHeaders + "\n" }
            var body: [UInt8] = []
            if let sdp {
                h += "Content-Type: application/sdp"
                body = Fixtures.wire(sdp)
            } else {
                h.removeLast()
            }
            let parsed = SIPMessageParser.parse(Fixtures.message(headers: h, body: body))
            guard let m = parsed.message else { return parsed.diagnostics }
            return tracker.process(
                m, context: SIPMessageContext(frame: frame, time: Timestamp(seconds: Int64(frame), nanoseconds: 0)))
        }
    }

    static let keyA = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
    static let keyB = "PS1uQCVeeCFCanVmcHcyKzJ2ZUNBYXJOcyN1QnZT"
    static let keyC = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"

    @Test("normal call: offer in INVITE, answer in 200 OK, ACK, BYE")
    func normalCall() {
        var c = Call()
        c.send(
            "INVITE sip:bob@biloxi.example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
            sdp: Call.sdp("192.0.2.10", 40000, key: Self.keyA))
        c.send("SIP/2.0 100 Trying", cseq: "1 INVITE", toTag: nil)
        c.send("SIP/2.0 180 Ringing", cseq: "1 INVITE", toTag: "314159")
        c.send(
            "SIP/2.0 200 OK", cseq: "1 INVITE", toTag: "314159", sdp: Call.sdp("198.51.100.20", 50000, key: Self.keyB))
        c.send("ACK sip:bob@192.0.2.4 SIP/2.0", cseq: "1 ACK", toTag: "314159")
        c.send("BYE sip:alice@pc33.atlanta.example.com SIP/2.0", cseq: "1 BYE", toTag: "314159", fromCaller: false)
        let dialogs = c.tracker.dialogs
        #expect(dialogs.count == 1)
        guard let d = dialogs.first else { return }
        #expect(d.callID == "a84b4c76e66710@pc33.example.com")
        #expect(d.fromTag == "1928301774")
        #expect(d.toTag == "314159")
        #expect(d.state == .terminated)
        #expect(d.firstFrame == 1 && d.lastFrame == 6 && d.endFrame == 6)
        #expect(d.exchanges.count == 1)
        guard let x = d.exchanges.first else { return }
        #expect(x.kind == .initial)
        #expect(x.offer.author == .caller && x.offer.context.frame == 1)
        #expect(x.answer?.author == .callee && x.completedFrame == 4)
        #expect(x.offer.media.first?.address == IPAddress("192.0.2.10").map { Endpoint($0, 40000) })
        #expect(x.offer.media.first?.rtcpAddress == IPAddress("192.0.2.10").map { Endpoint($0, 40001) })
        #expect(x.answer?.media.first?.crypto.first?.keyParams.first?.keySaltBase64 == Self.keyB)
    }

    @Test("delayed offer: SDP in the 200 OK is the callee's offer, the ACK carries the answer")
    func delayedOffer() {
        var c = Call()
        c.send("INVITE sip:bob@biloxi.example.com SIP/2.0", cseq: "1 INVITE", toTag: nil)
        c.send("SIP/2.0 200 OK", cseq: "1 INVITE", toTag: "77", sdp: Call.sdp("198.51.100.20", 50000, key: Self.keyB))
        c.send(
            "ACK sip:bob@192.0.2.4 SIP/2.0", cseq: "1 ACK", toTag: "77",
            sdp: Call.sdp("192.0.2.10", 40000, key: Self.keyA))
        guard let x = c.tracker.dialogs.first?.exchanges.first else {
            Issue.record("no exchange")
            return
        }
        #expect(c.tracker.dialogs.first?.exchanges.count == 1)
        #expect(x.kind == .delayed)
        #expect(x.offer.author == .callee && x.offer.context.frame == 2 && x.offer.role == .offer)
        #expect(x.answer?.author == .caller && x.completedFrame == 3 && x.answer?.role == .answer)
        #expect(c.tracker.dialogs.first?.state == .confirmed)
    }

    @Test("183 early media and forking: two To-tags give two dialogs, each with the offer and its own answer")
    func forking() {
        var c = Call()
        c.send(
            "INVITE sip:bob@biloxi.example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
            sdp: Call.sdp("192.0.2.10", 40000, key: Self.keyA))
        c.send(
            "SIP/2.0 183 Session Progress", cseq: "1 INVITE", toTag: "fork1",
            sdp: Call.sdp("198.51.100.20", 50000, key: Self.keyB))
        c.send(
            "SIP/2.0 183 Session Progress", cseq: "1 INVITE", toTag: "fork2",
            sdp: Call.sdp("198.51.100.30", 52000, key: Self.keyC))
        // The same answer again in the 200 OK (RFC 3262 §5): not a new exchange.
        c.send(
            "SIP/2.0 200 OK", cseq: "1 INVITE", toTag: "fork1", sdp: Call.sdp("198.51.100.20", 50000, key: Self.keyB))
        let ds = c.tracker.dialogs
        #expect(ds.map(\.toTag) == ["fork1", "fork2"])
        #expect(ds.map(\.state) == [.confirmed, .early])
        #expect(ds.map { $0.exchanges.count } == [1, 1])
        #expect(ds.map { $0.exchanges.first?.offer.context.frame } == [1, 1])
        #expect(ds.map { $0.exchanges.first?.completedFrame } == [2, 3])
        #expect(
            ds.map { $0.exchanges.first?.answer?.media.first?.address?.description } == [
                "198.51.100.20:50000", "198.51.100.30:52000",
            ])
        #expect(ds.last?.firstFrame == 1)
        #expect(ds.last?.to?.tag == "fork2")
    }

    @Test("re-INVITE rekey: a second exchange, in effect from its 200 OK")
    func reinvite() {
        var c = Call()
        c.send(
            "INVITE sip:bob@biloxi.example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
            sdp: Call.sdp("192.0.2.10", 40000, key: Self.keyA))
        c.send("SIP/2.0 200 OK", cseq: "1 INVITE", toTag: "t", sdp: Call.sdp("198.51.100.20", 50000, key: Self.keyB))
        c.send("ACK sip:bob@192.0.2.4 SIP/2.0", cseq: "1 ACK", toTag: "t")
        c.send(
            "INVITE sip:bob@192.0.2.4 SIP/2.0", cseq: "2 INVITE", toTag: "t",
            sdp: Call.sdp("192.0.2.10", 40002, key: Self.keyC, version: 2))
        c.send(
            "SIP/2.0 200 OK", cseq: "2 INVITE", toTag: "t",
            sdp: Call.sdp("198.51.100.20", 50000, key: Self.keyA, version: 2))
        // A callee's UPDATE (RFC 3311), answered by the caller.
        c.send(
            "UPDATE sip:alice@192.0.2.10 SIP/2.0", cseq: "1 UPDATE", toTag: "t", fromCaller: false,
            sdp: Call.sdp("198.51.100.20", 50004, key: Self.keyB, version: 3))
        c.send(
            "SIP/2.0 200 OK", cseq: "1 UPDATE", toTag: "t", fromCaller: false,
            sdp: Call.sdp("192.0.2.10", 40002, key: Self.keyC, version: 3))
        guard let d = c.tracker.dialogs.first else { return }
        #expect(c.tracker.dialogs.count == 1)
        #expect(d.exchanges.map(\.kind) == [.initial, .reinvite, .update])
        #expect(d.exchanges.map(\.completedFrame) == [2, 5, 7])
        #expect(d.exchanges.map(\.offer.author) == [.caller, .caller, .callee])
        #expect(d.exchanges[1].offer.media.first?.address?.port == 40002)
        #expect(d.exchanges[2].offer.media.first?.address?.port == 50004)
    }

    @Test("488 to a re-INVITE: failure recorded with MS-SDP's reason, the offer rejected, the dialog goes on")
    func rejected488() {
        var c = Call()
        c.send(
            "INVITE sip:bob@biloxi.example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
            sdp: Call.sdp("192.0.2.10", 40000, key: Self.keyA))
        c.send("SIP/2.0 200 OK", cseq: "1 INVITE", toTag: "t", sdp: Call.sdp("198.51.100.20", 50000, key: Self.keyB))
        c.send(
            "INVITE sip:bob@192.0.2.4 SIP/2.0", cseq: "2 INVITE", toTag: "t",
            sdp: Call.sdp("192.0.2.10", 40000, version: 2))
        c.send("SIP/2.0 488 Encryption Levels Incompatible", cseq: "2 INVITE", toTag: "t")
        guard let d = c.tracker.dialogs.first else { return }
        #expect(d.state == .confirmed)
        #expect(d.failures.count == 1)
        #expect(d.failures.first?.statusCode == 488)
        #expect(d.failures.first?.encryptionLevelsIncompatible == true)
        #expect(d.failures.first?.context.frame == 4)
        #expect(d.exchanges.map(\.rejectedFrame) == [nil, 4])
    }

    @Test("488 on the initial INVITE, MS-SDP §4.2 wording in the Warning header: the call failed")
    func failed488() {
        var c = Call()
        c.send(
            "INVITE sip:bob@biloxi.example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
            sdp: Call.sdp("192.0.2.10", 40000))
        c.send(
            "SIP/2.0 488 Not Acceptable Here", cseq: "1 INVITE", toTag: "x",
            extraHeaders: "Warning: 308 ms.com \"Encryption Levels not compatible\"")
        c.send("SIP/2.0 503 Service Unavailable", cseq: "1 INVITE", toTag: "y")
        let ds = c.tracker.dialogs
        #expect(ds.map(\.state) == [.failed, .failed])
        #expect(ds.first?.failures.first?.encryptionLevelsIncompatible == true)
        #expect(ds.last?.failures.first?.encryptionLevelsIncompatible == false)
        #expect(ds.last?.failures.first?.statusCode == 503)
    }

    @Test("CANCEL ends the early dialog; the 487 keeps it cancelled")
    func cancel() {
        var c = Call()
        c.send(
            "INVITE sip:bob@biloxi.example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
            sdp: Call.sdp("192.0.2.10", 40000, key: Self.keyA))
        c.send("SIP/2.0 180 Ringing", cseq: "1 INVITE", toTag: "r")
        c.send("CANCEL sip:bob@biloxi.example.com SIP/2.0", cseq: "1 CANCEL", toTag: nil)
        c.send("SIP/2.0 200 OK", cseq: "1 CANCEL", toTag: "r")
        c.send("SIP/2.0 487 Request Terminated", cseq: "1 INVITE", toTag: "r")
        guard let d = c.tracker.dialogs.first else { return }
        #expect(c.tracker.dialogs.count == 1)
        #expect(d.state == .cancelled)
        #expect(d.endFrame == 3)
        #expect(d.failures.map(\.method) == ["CANCEL", "INVITE"])
        #expect(d.failures.last?.statusCode == 487)
        #expect(d.exchanges.first?.answer == nil)
    }

    @Test("mediasec headers are recorded on the dialog")
    func mediasec() {
        let parsed = SIPMessageParser.parse(Fixtures.mediasecInvite)
        guard let m = parsed.message else {
            Issue.record("fixture did not parse")
            return
        }
        let t = DialogTracker()
        t.process(m, context: SIPMessageContext(frame: 1, time: nil))
        #expect(t.dialogs.first?.requiresMediasec == true)
        #expect(t.dialogs.first?.securityMechanisms.contains { $0.mechanism == "sdes-srtp" && $0.isMediaPlane } == true)
        #expect(t.dialogs.first?.exchanges.first?.offer.media.first?.endToAccessEdge == true)
    }

    @Test("a message without Call-ID gives a diagnostic with its frame and no dialog")
    func noCallID() {
        let bytes = Fixtures.message(
            headers:
                "INVITE sip:b@example.com SIP/2.0\nCSeq: 1 INVITE\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>",
            body: [])
        guard let m = SIPMessageParser.parse(bytes).message else { return }
        let t = DialogTracker()
        let d = t.process(m, context: SIPMessageContext(frame: 9, time: nil))
        #expect(t.dialogs.isEmpty)
        #expect(d.contains { $0.frame == 9 && $0.code == SignallingCode.sipMissingHeader })
    }
}
