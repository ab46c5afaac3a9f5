import Capture
import Testing

@testable import Signalling

@Suite struct SIPMessageParserTests {
    @Test func rfc3261InviteHeadersAndParameters() throws {
        let result = SIPMessageParser.parse(Fixtures.rfc3261Invite)
        let m = try #require(result.message)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(m.startLine == .request(method: "INVITE", uri: "sip:bob@biloxi.com", version: "SIP/2.0"))
        #expect(m.callID == "a84b4c76e66710@pc33.atlanta.com")
        #expect(m.cseq == SIPCSeq(number: 314159, method: "INVITE"))
        #expect(m.from?.tag == "1928301774")
        #expect(m.from?.displayName == "Alice")
        #expect(m.from?.uri == "sip:alice@atlanta.com")
        #expect(m.to?.tag == nil)
        #expect(m.vias.first?.branch == "z9hG4bK776asdhds")
        #expect(m.vias.first?.transport == "UDP")
        #expect(m.contentType?.isSDP == true)
        #expect(m.body == Fixtures.wire(Fixtures.rfc4568Offer))
    }

    @Test func rfc3261OKWithThreeVias() throws {
        let m = try #require(SIPMessageParser.parse(Fixtures.rfc3261OK).message)
        #expect(m.statusCode == 200)
        #expect(m.reasonPhrase == "OK")
        #expect(m.method == "INVITE")
        #expect(m.to?.tag == "a6c85cf")
        let vias = m.vias
        #expect(vias.map(\.host) == ["server10.biloxi.com", "bigbox3.site3.atlanta.com", "pc33.atlanta.com"])
        #expect(vias[1].parameters.value(named: "received") == "192.0.2.2")
    }

    @Test func compactFormsAndCaseInsensitiveNames() throws {
        let text = """
            INVITE sip:bob@example.com SIP/2.0
            v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa, SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKb
            f: "Alice, A." <sip:alice@example.com>;tag=88
            t: sip:bob@example.com
            i: abc@host
            CSEQ: 7 invite
            m: <sip:alice@192.0.2.1>
            c: application/sdp
            k: 100rel, timer
            l: 0


            """
        let result = SIPMessageParser.parse(Fixtures.wire(text))
        let m = try #require(result.message)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(m.callID == "abc@host")
        #expect(m.cseq == SIPCSeq(number: 7, method: "INVITE"))
        #expect(m.from?.displayName == "Alice, A.")
        #expect(m.from?.tag == "88")
        #expect(m.to?.uri == "sip:bob@example.com")
        #expect(m.vias.count == 2)
        #expect(m.vias.last?.host == "[2001:db8::1]")
        #expect(m.vias.last?.port == "5061")
        #expect(m.optionTags("Supported") == ["100rel", "timer"])
        #expect(m.headers(named: "content-length").first?.rawName == "l")
        #expect(m.contentType?.mediaType == "application/sdp")
    }

    @Test func foldedHeadersAreJoined() throws {
        let text = """
            OPTIONS sip:x@example.com SIP/2.0
            Via: SIP/2.0/UDP host.example.com
             ;branch=z9hG4bK1
            Subject: I know you're there,
            \tpick up the phone
            From: <sip:a@example.com>;tag=1
            To: <sip:x@example.com>
            Call-ID: fold@host
            CSeq: 1 OPTIONS
            Content-Length: 0


            """
        let m = try #require(SIPMessageParser.parse(Fixtures.wire(text)).message)
        #expect(m.firstValue("Subject") == "I know you're there, pick up the phone")
        #expect(m.vias.first?.branch == "z9hG4bK1")
        // Subject is free text: not split at its comma.
        #expect(m.values("Subject").count == 1)
    }

    @Test func msSDP488IsReadWithQuotedWarning() throws {
        let result = SIPMessageParser.parse(Fixtures.wire(Fixtures.msSDP488))
        let m = try #require(result.message)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(m.statusCode == 488)
        #expect(m.reasonPhrase == "Encryption Levels not compatible")
        #expect(m.from?.displayName == "Alice")
        #expect(m.firstValue("Warning") == "308 ms.com \"Encryption Levels not compatible\"")
        #expect(m.body.isEmpty)
    }

    @Test func mediasecHeaders() throws {
        let m = try #require(SIPMessageParser.parse(Fixtures.mediasecInvite).message)
        let mechanisms = m.securityMechanisms
        #expect(mechanisms.count == 3)
        #expect(mechanisms.allSatisfy { $0.header == .verify })
        #expect(mechanisms.filter(\.isMediaPlane).map(\.mechanism) == ["sdes-srtp"])
        #expect(mechanisms.first?.preference == "0.1")
        #expect(m.requiresMediasec)
        #expect(m.optionTags("Proxy-Require") == ["sec-agree", "mediasec"])

        let options = try #require(SIPMessageParser.parse(Fixtures.wire(Fixtures.mediasecOptions)).message)
        #expect(
            options.securityMechanisms == [
                SIPSecurityMechanism(
                    header: .client, mechanism: "sdes-srtp", parameters: [SIPParameter(name: "mediasec", value: nil)])
            ])
        #expect(options.requiresMediasec)
        #expect(!(try #require(SIPMessageParser.parse(Fixtures.wire(Fixtures.rfc3261Bye)).message)).requiresMediasec)
    }

    @Test func datagramWithoutContentLengthTakesTheRest() throws {
        let text =
            "MESSAGE sip:a@b SIP/2.0\nCall-ID: x\nCSeq: 1 MESSAGE\nFrom: <sip:c@d>;tag=1\nTo: <sip:a@b>\nVia: SIP/2.0/UDP h\n\nhello"
        let result = SIPMessageParser.parse(Array(text.utf8))
        let m = try #require(result.message)
        #expect(m.body == Array("hello".utf8))
        #expect(result.diagnostics.isEmpty, "bare LF line ends are accepted silently: \(result.diagnostics)")
    }

    // MARK: - Malformed input: each problem is one diagnostic, with the code tests can compare.

    private func codes(_ bytes: [UInt8]) -> [String] {
        SIPMessageParser.parse(bytes).diagnostics.map(\.code)
    }

    private static let minimal = """
        BYE sip:a@example.com SIP/2.0
        Via: SIP/2.0/UDP h;branch=z9hG4bK1
        From: <sip:b@example.com>;tag=1
        To: <sip:a@example.com>;tag=2
        Call-ID: c@h
        CSeq: 2 BYE
        """

    @Test func contentLengthLargerThanBody() throws {
        let bytes = Fixtures.wire(Self.minimal + "\nContent-Length: 50\n\n") + Array("short".utf8)
        let result = SIPMessageParser.parse(bytes)
        #expect(result.diagnostics.map(\.code) == [SignallingCode.sipBodyTruncated])
        #expect(result.diagnostics.first?.description.contains("declares 50 bytes but only 5") == true)
        #expect(result.message?.body == Array("short".utf8))
    }

    @Test(arguments: ["-5", "abc", "", "12x", "99999999999999999999"])
    func garbageContentLength(_ value: String) {
        let bytes = Fixtures.wire(Self.minimal + "\nContent-Length: \(value)\n\n") + Array("body".utf8)
        let result = SIPMessageParser.parse(bytes)
        #expect(result.diagnostics.map(\.code) == [SignallingCode.sipContentLength])
        #expect(result.diagnostics.first?.field == "SIP Content-Length")
        #expect(result.message != nil)
    }

    @Test func conflictingContentLengths() {
        let bytes = Fixtures.wire(Self.minimal + "\nContent-Length: 4\nl: 3\n\n") + Array("body".utf8)
        #expect(codes(bytes) == [SignallingCode.sipContentLength])
    }

    @Test func trailingBytesAfterBody() {
        let bytes = Fixtures.wire(Self.minimal + "\nContent-Length: 2\n\n") + Array("body".utf8)
        let result = SIPMessageParser.parse(bytes)
        #expect(result.diagnostics.map(\.code) == [SignallingCode.sipTrailingBytes])
        #expect(result.message?.body == Array("bo".utf8))
    }

    @Test func foldingWithoutHeaderAndUnterminatedHeaders() {
        let folded = Fixtures.wire(
            "BYE sip:a@b SIP/2.0\n continuation first\n"
                + Self.minimal.split(separator: "\n").dropFirst().joined(separator: "\n") + "\nContent-Length: 0\n\n")
        #expect(codes(folded) == [SignallingCode.sipHeaderFolding])
        let unterminated = Fixtures.wire(Self.minimal + "\nSubject: never ends")
        #expect(codes(unterminated) == [SignallingCode.sipHeadersUnterminated])
    }

    @Test func badHeaderLinesAndFields() {
        let text = """
            INVITE sip:a@b SIP/2.0
            this line has no colon
            Bad Name: x
            Via: not a via
            From: Alice no brackets here
            To: <sip:a@b>
            Call-ID: x
            CSeq: many INVITE
            Content-Type: sdp
            Content-Length: 0


            """
        let got = codes(Fixtures.wire(text))
        #expect(
            got == [
                SignallingCode.sipHeaderSyntax, SignallingCode.sipHeaderSyntax, SignallingCode.sipCSeq,
                SignallingCode.sipNameAddress, SignallingCode.sipVia, SignallingCode.sipContentType,
            ])
    }

    @Test func startLineProblemsGiveNoMessage() {
        for text in ["HELLO\n\n", "SIP/2.0 2000 OK\n\n", "INVITE sip:a@b HTTP/1.1\n\n", "INV<ITE sip:a SIP/2.0\n\n"] {
            let result = SIPMessageParser.parse(Array(text.utf8))
            #expect(result.message == nil, "\(text)")
            #expect(result.diagnostics.map(\.code) == [SignallingCode.sipStartLine], "\(text)")
        }
        #expect(codes(Array("\r\n\r\n".utf8)) == [SignallingCode.sipEmpty])
    }

    @Test func headerCountIsBounded() throws {
        var text = Self.minimal
        for i in 0..<(SignallingLimits.maxHeaderCount + 10) { text += "\nX-Filler-\(i): \(i)" }
        let result = SIPMessageParser.parse(Fixtures.wire(text + "\nContent-Length: 0\n\n"))
        let m = try #require(result.message)
        #expect(m.headers.count == SignallingLimits.maxHeaderCount)
        #expect(result.diagnostics.map(\.code).contains(SignallingCode.sipTooManyHeaders))
    }

    @Test func oversizedMessageIsCut() {
        let big =
            Fixtures.wire(Self.minimal + "\n\n") + [UInt8](repeating: 0x41, count: SignallingLimits.maxMessageSize)
        let result = SIPMessageParser.parse(big)
        #expect(result.diagnostics.first?.code == SignallingCode.sipTooLarge)
        #expect((result.message?.body.count ?? 0) < SignallingLimits.maxMessageSize)
    }

    @Test func diagnosticsTakeTheFrameFromTheCaller() {
        let d = SIPMessageParser.parse(Array("garbage\n\n".utf8)).diagnostics[0].inFrame(812)
        #expect(d.description.hasPrefix("frame 812: SIP start line: "))
    }

    /// RFC 3261 §25.1 quoted-string: `<`, `;` and `,` inside quotes (and an escaped quote) are text.
    @Test func separatorsInsideQuotedStringsAreText() throws {
        let a = try #require(SIPNameAddress.parse(#""Bob \"<x>\"; Jr, B." <sip:bob@b.example>;tag=9;q="a;b""#))
        #expect(a.displayName == #"Bob \"<x>\"; Jr, B."#)
        #expect(a.uri == "sip:bob@b.example")
        #expect(a.tag == "9")
        #expect(
            splitOutsideQuotes(#"a;b="x;y\";z";c<d;e>f;"#[...], separator: ";")
                == ["a", #"b="x;y\";z""#, "c<d;e>f", ""])
        #expect(splitOutsideQuotes(#""unterminated;quote"#[...], separator: ";") == [#""unterminated;quote"#])
    }
}
