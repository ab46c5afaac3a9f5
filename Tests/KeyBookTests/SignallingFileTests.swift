import Datagrams
import Signalling
import Testing

@testable import KeyBook

struct SignallingFileTests {
    static let offer = SIP.sdp("192.0.2.10", 40000, crypto: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(keyA)"])
    static let answer = SIP.sdp("198.51.100.20", 50000, crypto: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(keyB)"])

    static func crlf(_ s: String) -> [UInt8] { SIP.wire(s) }
    static func lf(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func book(_ messages: [SignallingFile.Message]) -> KeyBook {
        let t = DialogTracker()
        for m in messages { t.process(m.message, context: SIPMessageContext(frame: 0, time: nil)) }
        var b = KeyBook()
        b.add(
            dialogs: t.dialogs, sideFiles: Dictionary(uniqueKeysWithValues: t.dialogs.map { ($0.callID, "side.txt") }))
        return b
    }

    @Test(
        "bare SDP bodies, CRLF and LF: first the offer, then its answer; each sender its own address",
        arguments: [true, false])
    func bare(crlf: Bool) {
        let text = "\n" + Self.offer + "\n" + Self.answer + "\n\n"
        let (messages, diagnostics) = SignallingFile.parse(crlf ? Self.crlf(text) : Self.lf(text), name: "side.txt")
        #expect(diagnostics.isEmpty)
        #expect(messages.map(\.line) == [2, 10])
        let book = Self.book(messages)
        #expect(book.entries.count == 2)
        #expect(book.entries.map { $0.sender?.description } == ["192.0.2.10:40000", "198.51.100.20:50000"])
        #expect(book.entries.map { $0.destination?.description } == ["198.51.100.20:50000", "192.0.2.10:40000"])
        #expect(book.entries.map(\.selected) == [true, true])
        #expect(book.entries.map(\.source) == [.signallingFile(path: "side.txt"), .signallingFile(path: "side.txt")])
        #expect(book.entries.map(\.frame) == [0, 0])
        #expect(book.entries.first?.callID == "signalling-file:side.txt")
    }

    @Test(
        "SIP messages cut at their start lines, CRLF and LF, a bodiless message between them", arguments: [true, false])
    func sip(crlf: Bool) {
        func msg(_ start: String, _ cseq: String, _ toTag: String?, _ sdp: String?) -> String {
            var h = "\(start)\nVia: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK2\nFrom: <sip:alice@example.com>;tag=a1\n"
            h +=
                "To: <sip:bob@example.com>" + (toTag.map { ";tag=\($0)" } ?? "")
                + "\nCall-ID: tls-call\nCSeq: \(cseq)\n"
            if let sdp {
                let bodyLength = crlf ? SIP.wire(sdp).count : sdp.utf8.count
                return h + "Content-Type: application/sdp\nContent-Length: \(bodyLength)\n\n" + sdp
            }
            return h + "Content-Length: 0\n\n"
        }
        let text =
            msg("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", nil, Self.offer)
            + msg("SIP/2.0 180 Ringing", "1 INVITE", "b2", nil) + "\n"
            + msg("SIP/2.0 200 OK", "1 INVITE", "b2", Self.answer)
        let (messages, diagnostics) = SignallingFile.parse(crlf ? Self.crlf(text) : Self.lf(text), name: "log.txt")
        #expect(messages.count == 3)
        #expect(diagnostics.filter { $0.severity != .note }.isEmpty, "\(diagnostics)")
        let book = Self.book(messages)
        #expect(book.entries.map { $0.sender?.description } == ["192.0.2.10:40000", "198.51.100.20:50000"])
        #expect(book.entries.map(\.callID) == ["tls-call", "tls-call"])
        #expect(book.entries.map(\.keySalt) == [SDESBase64.decode(keyA), SDESBase64.decode(keyB)])
    }

    @Test("a file with neither SIP nor SDP is an error naming the option and the file")
    func garbage() {
        let (messages, diagnostics) = SignallingFile.parse(Array("hello\nworld\n".utf8), name: "x.txt")
        #expect(messages.isEmpty)
        #expect(diagnostics.contains { $0.severity == .error && ($0.field ?? "").contains("--signalling x.txt") })
    }
}
