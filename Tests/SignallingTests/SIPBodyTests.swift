import Capture
import Testing

@testable import Signalling

@Suite struct SIPBodyTests {
    private func message(contentType: String?, body: String) -> SIPMessage {
        var headers = [SIPHeader]()
        if let contentType {
            headers.append(SIPHeader(rawName: "Content-Type", name: "Content-Type", value: contentType, line: 2))
        }
        return SIPMessage(
            startLine: .request(method: "INVITE", uri: "sip:a@b", version: "SIP/2.0"), headers: headers,
            body: Fixtures.wire(body))
    }

    @Test func plainSDPBody() {
        let (parts, d) = SIPBody.sdpParts(of: message(contentType: "Application/SDP", body: Fixtures.rfc4568Answer))
        #expect(d.isEmpty)
        #expect(parts.map(\.content) == [Fixtures.wire(Fixtures.rfc4568Answer)])
        #expect(parts.first?.path == [])
    }

    /// RFC 5621 §3.1 style: an SDP part next to a non-SDP part (an ISUP-like payload here).
    @Test func multipartMixedSelectsSDP() throws {
        let body = """
            --unique-boundary-1
            Content-Type: application/sdp

            \(Fixtures.rfc4568Answer)
            --unique-boundary-1
            Content-Type: application/ISUP; version=nxv3
            Content-Disposition: signal; handling=optional

            01 00 49 00 00 03 02 00
            --unique-boundary-1--

            """
        let (parts, d) = SIPBody.sdpParts(
            of: message(contentType: "multipart/mixed;boundary=unique-boundary-1", body: body))
        #expect(d.isEmpty, "\(d)")
        let sdp = try #require(parts.first)
        #expect(parts.count == 1)
        #expect(sdp.path == [0])
        // The CRLF before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        #expect(sdp.content == Fixtures.wire(Fixtures.rfc4568Answer))
        #expect(SDPParser.parse(sdp.content).description.media.first?.port == 32640)
    }

    @Test func nestedAlternativeWithQuotedBoundary() throws {
        let body = """
            preamble to ignore
            --outer
            Content-Type: multipart/alternative; boundary="in ner"

            --in ner
            Content-Type: application/sdp

            \(Fixtures.rfc4568Offer)
            --in ner
            Content-Type: application/sdp

            \(Fixtures.rfc4568Answer)
            --in ner--
            --outer
            Content-Type: text/plain

            hello
            --outer--
            epilogue
            """
        let (parts, d) = SIPBody.sdpParts(of: message(contentType: "multipart/mixed; boundary=outer", body: body))
        #expect(d.isEmpty, "\(d)")
        #expect(parts.map(\.path) == [[0, 0], [0, 1]])
        #expect(parts.map(\.content) == [Fixtures.wire(Fixtures.rfc4568Offer), Fixtures.wire(Fixtures.rfc4568Answer)])
    }

    @Test func multipartProblems() {
        let noBoundary = SIPBody.sdpParts(of: message(contentType: "multipart/mixed", body: "x"))
        #expect(noBoundary.diagnostics.map(\.code) == [SignallingCode.sipMultipart])
        let absent = SIPBody.sdpParts(of: message(contentType: "multipart/mixed;boundary=zz", body: "nothing here\n"))
        #expect(absent.diagnostics.map(\.code) == [SignallingCode.sipMultipart])
        let unclosed = SIPBody.sdpParts(
            of: message(
                contentType: "multipart/mixed;boundary=zz",
                body: "--zz\nContent-Type: application/sdp\n\n\(Fixtures.rfc4568Answer)"))
        #expect(unclosed.diagnostics.map(\.code) == [SignallingCode.sipMultipart])
        #expect(unclosed.parts.count == 1)
        var deep = "x"
        for level in (0..<6).reversed() {
            deep = "--b\(level)\nContent-Type: multipart/mixed;boundary=b\(level + 1)\n\n\(deep)\n--b\(level)--\n"
        }
        let nested = SIPBody.sdpParts(of: message(contentType: "multipart/mixed;boundary=b0", body: deep))
        #expect(nested.diagnostics.map(\.code) == [SignallingCode.limit])
    }

    @Test func sessionDescriptionsOfTheMediasecInvite() throws {
        let m = try #require(SIPMessageParser.parse(Fixtures.mediasecInvite).message)
        let (found, d) = SIPBody.sessionDescriptions(of: m)
        #expect(d.isEmpty, "\(d)")
        #expect(found.count == 1)
        #expect(found.first?.sdp.media.first?.effectiveConnection?.address == "192.0.2.101")
        #expect(found.first?.sdp.media.first?.security.crypto.first?.suite?.name == "AES_CM_128_HMAC_SHA1_80")
    }

    @Test func missingContentTypeButSDPBody() {
        let (parts, d) = SIPBody.sdpParts(of: message(contentType: nil, body: Fixtures.rfc4568Answer))
        #expect(parts.count == 1)
        #expect(d.map(\.severity) == [.note])
        #expect(SIPBody.sdpParts(of: message(contentType: nil, body: "hello")).parts.isEmpty)
    }
}
