import Capture
import Datagrams
import Signalling
import Testing
import Transforms

@testable import KeyBook

struct KeyBookBindingTests {
    static let caller = Endpoint(IPAddress("192.0.2.10") ?? IPAddress(v4: 0), 40000)
    static let callee = Endpoint(IPAddress("198.51.100.20") ?? IPAddress(v4: 0), 50000)

    /// Offer with two lines (tags 1 and 2), answer choosing tag 2; then a re-INVITE rekey at frames 10/11.
    static func book(rekey: Bool = true) -> KeyBook {
        var messages: [(Int, SIPMessage?)] = [
            (
                1,
                SIP.message(
                    "INVITE sip:bob@example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
                    sdp: SIP.sdp(
                        "192.0.2.10", 40000,
                        crypto: [
                            "1 AES_CM_128_HMAC_SHA1_80 inline:\(keyA)",
                            "2 AES_CM_128_HMAC_SHA1_32 inline:\(keyB)|2^20|1:1",
                        ],
                        extra: "a=ssrc:305419896 cname:alice\n"))
            ),
            (
                3,
                SIP.message(
                    "SIP/2.0 200 OK", cseq: "1 INVITE", toTag: "b0b",
                    sdp: SIP.sdp("198.51.100.20", 50000, crypto: ["2 AES_CM_128_HMAC_SHA1_32 inline:\(keyC)"]))
            ),
        ]
        if rekey {
            messages.append(
                (
                    10,
                    SIP.message(
                        "INVITE sip:bob@example.com SIP/2.0", cseq: "2 INVITE", toTag: "b0b",
                        sdp: SIP.sdp("192.0.2.10", 40000, crypto: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(keyD)"]))
                ))
            messages.append(
                (
                    11,
                    SIP.message(
                        "SIP/2.0 200 OK", cseq: "2 INVITE", toTag: "b0b",
                        sdp: SIP.sdp("198.51.100.20", 50000, crypto: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(keyC)"]))
                ))
        }
        var book = KeyBook()
        book.add(dialogs: SIP.track(messages).dialogs)
        return book
    }

    @Test("each key-param is bound to its author as sender and the peer as destination; the answer's tag selects")
    func binding() {
        let book = Self.book(rekey: false)
        let e = book.entries
        #expect(e.count == 3)
        #expect(e.map(\.tag) == [1, 2, 2])
        #expect(e.map(\.selected) == [false, true, true])
        #expect(e.map(\.sender) == [Self.caller, Self.caller, Self.callee])
        #expect(e.map(\.destination) == [Self.callee, Self.callee, Self.caller])
        #expect(e.map(\.senderRTCP?.port) == [40001, 40001, 50001])
        #expect(e.map(\.frame) == [1, 1, 3])
        #expect(e.map(\.effectiveFrame) == [3, 3, 3])
        #expect(e.map(\.party) == [.caller, .caller, .callee])
        #expect(e[1].mki == KeyEntry.MKI(value: 1, length: 1))
        #expect(e[1].lifetimePackets == 1 << 20)
        #expect(e[0].ssrcs == [305_419_896])
        #expect(
            e.map(\.suite?.name) == ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32"])
    }

    @Test("the master key is key‖salt split per the suite, with the MKI in packet byte order")
    func masterKey() {
        let e = Self.book(rekey: false).entries[1]
        let ks = SDESBase64.decode(keyB) ?? []
        #expect(ks.count == 30)
        #expect(e.masterKey?.key == Array(ks.prefix(16)))
        #expect(e.masterKey?.salt == Array(ks.suffix(14)))
        #expect(e.masterKey?.mki == [1])
    }

    @Test("lookup: the flow's own key first, then the call's other keys, then unscoped keys")
    func priority() throws {
        var book = Self.book(rekey: false)
        book.add(manual: try KeySpec.parse("AES_CM_128_HMAC_SHA1_80 inline:\(keyD)", position: 1))
        let fromCaller = book.candidates(frame: 5, source: Self.caller, destination: Self.callee, ssrc: nil)
        #expect(fromCaller.map(\.priority) == [.flow, .flow, .call, .unscoped])
        // The chosen line (tag 2) before the merely offered one (tag 1); the callee's key next.
        #expect(fromCaller.map { $0.entries.first?.tag } == [2, 1, 2, nil])
        #expect(fromCaller.first?.entries.first?.sender == Self.caller)
        #expect(fromCaller[2].entries.first?.sender == Self.callee)
        #expect(fromCaller.first?.policy?.suite == .aesCM128HMACSHA1_32)
        #expect(fromCaller.first?.policy?.keys.first?.mki == [1])

        let fromCallee = book.candidates(frame: 5, source: Self.callee, destination: Self.caller, ssrc: nil)
        #expect(fromCallee.first?.entries.first?.sender == Self.callee)
        #expect(fromCallee.first?.entries.first?.keySalt == SDESBase64.decode(keyC))

        // Behind a NAT the source is unknown; the destination still tells the caller's key.
        let natted = Endpoint(IPAddress("203.0.113.7") ?? IPAddress(v4: 0), 61000)
        let viaNAT = book.candidates(frame: 5, source: natted, destination: Self.callee, ssrc: nil)
        #expect(viaNAT.first?.entries.first?.sender == Self.caller)

        // The a=ssrc of the offer binds an unknown flow too.
        let bySSRC = book.candidates(frame: 5, source: natted, destination: natted, ssrc: 305_419_896)
        #expect(bySSRC.first?.entries.first?.party == .caller)

        // An unrelated flow gets only the unscoped key.
        let other = book.candidates(frame: 5, source: natted, destination: natted, ssrc: 7)
        #expect(other.map(\.priority) == [.unscoped])
    }

    @Test("re-INVITE rekey: the old key leads until the frame that completed the new exchange, the new one after")
    func rekey() {
        let book = Self.book()
        let before = book.candidates(frame: 10, source: Self.caller, destination: Self.callee, ssrc: nil)
        let after = book.candidates(frame: 11, source: Self.caller, destination: Self.callee, ssrc: nil)
        #expect(before.first?.entries.first?.keySalt == SDESBase64.decode(keyB))
        #expect(after.first?.entries.first?.keySalt == SDESBase64.decode(keyD))
        #expect(after.first?.entries.first?.generation == 1)
        // The old generation stays a candidate (packets in flight).
        #expect(after.contains { $0.entries.first?.keySalt == SDESBase64.decode(keyB) })
    }

    @Test("scoped --key binds by SSRC and by source address")
    func scoped() throws {
        var book = KeyBook()
        book.add(manual: try KeySpec.parse("\(keyA) ssrc=0xdeadbeef", position: 1))
        book.add(manual: try KeySpec.parse("\(keyB) addr=[2001:db8::1]:5004", position: 2))
        book.add(manual: try KeySpec.parse(keyC, position: 3))
        let v6 = Endpoint(IPAddress("2001:db8::1") ?? IPAddress(v4: 0), 5004)
        let a = book.candidates(frame: 1, source: nil, destination: nil, ssrc: 0xDEAD_BEEF)
        #expect(a.map(\.priority) == [.flow, .unscoped])
        #expect(a.first?.entries.first?.source == .commandLine(1))
        let b = book.candidates(frame: 1, source: v6, destination: nil, ssrc: 1)
        #expect(b.first?.entries.first?.source == .commandLine(2))
        #expect(b.last?.entries.first?.source == .commandLine(3))
    }

    @Test("a key of the wrong length is listed, flagged with its frame, and makes no policy")
    func unusable() {
        let short = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9"  // 24 bytes
        let t = SIP.track([
            (
                7,
                SIP.message(
                    "INVITE sip:bob@example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
                    sdp: SIP.sdp("192.0.2.10", 40000, crypto: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(short)"]))
            )
        ])
        var book = KeyBook()
        book.add(dialogs: t.dialogs)
        #expect(book.entries.count == 1)
        #expect(book.entries.first?.masterKey == nil)
        #expect(book.diagnostics.contains { $0.frame == 7 && $0.code == KeyBookCode.unusableKey })
        // The SDP parser's own length diagnostic reached the dialog with the frame number.
        #expect(
            t.dialogs.first?.diagnostics.contains { $0.frame == 7 && $0.code == SignallingCode.cryptoKeyLength } == true
        )
    }

    @Test("an SDP with a placeholder address (0.0.0.0:9) binds by a=ssrc, or else is tried for every stream")
    func placeholder() {
        let t = SIP.track([
            (
                1,
                SIP.message(
                    "INVITE sip:bob@example.com SIP/2.0", cseq: "1 INVITE", toTag: nil,
                    sdp: SIP.sdp(
                        "0.0.0.0", 9, crypto: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(keyA)"], extra: "a=ssrc:99 cname:x\n"
                    ))
            ),
            (
                2,
                SIP.message(
                    "SIP/2.0 200 OK", cseq: "1 INVITE", toTag: "w",
                    sdp: SIP.sdp("0.0.0.0", 9, crypto: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(keyB)"]))
            ),
        ])
        var book = KeyBook()
        book.add(dialogs: t.dialogs)
        let somewhere = Endpoint(IPAddress("203.0.113.1") ?? IPAddress(v4: 0), 1234)
        let bySSRC = book.candidates(frame: 3, source: somewhere, destination: somewhere, ssrc: 99)
        #expect(bySSRC.first?.priority == .flow)
        #expect(bySSRC.first?.entries.first?.keySalt == SDESBase64.decode(keyA))
        // The answer's key has neither address nor SSRC: it is still tried, last.
        #expect(bySSRC.last?.entries.first?.keySalt == SDESBase64.decode(keyB))
        let other = book.candidates(frame: 3, source: somewhere, destination: somewhere, ssrc: 5)
        #expect(other.map(\.priority) == [.unscoped])
        // A placeholder is no flow's address.
        let fromPlaceholder = book.candidates(
            frame: 3, source: Endpoint(IPAddress(v4: 0), 9), destination: nil, ssrc: nil)
        #expect(fromPlaceholder.map(\.priority) == [.unscoped])
    }
}
