import Capture
import Testing

@testable import Signalling

/// Hostile input: every prefix of every fixture, and deterministic byte mutations of them, go through
/// every parser without a crash (a trap would end the test process), and with bounded diagnostics.
@Suite struct HostileInputTests {
    static var sipFixtures: [[UInt8]] {
        [
            Fixtures.rfc3261Invite, Fixtures.rfc3261OK, Fixtures.wire(Fixtures.rfc3261Bye),
            Fixtures.wire(Fixtures.msSDP488),
            Fixtures.mediasecInvite, Fixtures.wire(Fixtures.mediasecOptions),
        ]
    }

    static var sdpFixtures: [[UInt8]] {
        [
            Fixtures.rfc4566Example, Fixtures.rfc4568Offer, Fixtures.rfc4568Answer, Fixtures.msSDPInvite,
            Fixtures.msSDPOK,
            Fixtures.mediasecSDP, Fixtures.skypeOffer, Fixtures.webrtcOffer,
        ].map(Fixtures.wire)
    }

    /// Runs every parser of the module over `bytes`.
    static func exercise(_ bytes: [UInt8]) {
        let sip = SIPMessageParser.parse(bytes)
        #expect(sip.diagnostics.count <= SignallingLimits.maxDiagnosticsPerMessage + 1)
        if let m = sip.message {
            _ = (m.callID, m.cseq, m.from, m.to, m.vias, m.contentType, m.securityMechanisms, m.requiresMediasec)
            for part in SIPBody.sdpParts(of: m).parts { _ = SDPParser.parse(part.content) }
        }
        let sdp = SDPParser.parse(bytes)
        #expect(sdp.diagnostics.count <= SignallingLimits.maxDiagnosticsPerMessage + 1)
        for media in sdp.description.media {
            for c in media.security.crypto { for k in c.keyParams { _ = k.mki?.bytes } }
        }
        let framer = SIPStreamFramer()
        _ = framer.feed(bytes, frame: 1)
        _ = framer.finish()
    }

    @Test func everyPrefixOfEveryFixture() {
        for fixture in Self.sipFixtures + Self.sdpFixtures {
            for end in 0...fixture.count { Self.exercise(Array(fixture[0..<end])) }
        }
    }

    @Test func mutatedFixtures() {
        // xorshift64: deterministic, so a failure can be replayed.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let interesting: [UInt8] = Array(":;,/|^=<>\" \t\r\n\0-2".utf8) + [0xFF, 0xC3]
        for fixture in Self.sipFixtures + Self.sdpFixtures {
            for _ in 0..<150 {
                var bytes = fixture
                for _ in 0..<(1 + Int(next() % 8)) where !bytes.isEmpty {
                    let at = Int(next() % UInt64(bytes.count))
                    switch next() % 3 {
                    case 0: bytes[at] = interesting[Int(next() % UInt64(interesting.count))]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: at)
                    }
                }
                Self.exercise(bytes)
            }
        }
    }

    @Test func randomTokenSoup() {
        var state: UInt64 = 0x0123_4567_89AB_CDEF
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let tokens = [
            "SIP/2.0", "INVITE sip:a@b ", "\r\n", "\n", " ", ":", ";", ",", "\"", "<", ">", "Content-Length: ", "l: ",
            "12", "-1", "999999", "Content-Type: multipart/mixed;boundary=b", "--b", "--b--", "v=0", "m=audio 9 RTP/SAVP 0",
            "a=crypto:", "1 AES_CM_128_HMAC_SHA1_80 inline:", "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", "|2^", "|1:",
            "c=IN IP4 ", "224.0.0.1/", "k=base64:", "a=cryptoscale:", "a=candidate:", "\t", "\u{0}", "é",
        ]
        for _ in 0..<400 {
            var text = ""
            for _ in 0..<Int(next() % 60) { text += tokens[Int(next() % UInt64(tokens.count))] }
            Self.exercise(Array(text.utf8))
        }
    }

    @Test func pathologicalTexts() {
        let texts = [
            "a=crypto:", "a=crypto:1", "a=crypto:1 X inline:|||||", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:;;;;",
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + String(repeating: "A", count: 100_000),
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^" + String(repeating: "9", count: 500),
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|" + String(repeating: "9", count: 500) + ":4",
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " + String(repeating: "inline:AAAA;", count: 1000),
            "m=audio 1/0 RTP/AVP", "m=audio 1/ RTP/AVP", "c=IN IP4 /", "c=IN IP6 ::/", "a=rtpmap:1 x/",
            "a=candidate:1 1 udp 1 h 1 typ",
            "a=ssrc:99999999999 x", "a=extmap:0 x", "a=fingerprint:sha-1 A:B", "a=rtcp:1 IN", "k=base64:====", "=\n=\n",
            "v=0\n" + String(repeating: "m=audio 1 RTP/AVP 0\n", count: 5000),
            String(repeating: "\"", count: 10_000), String(repeating: "<", count: 10_000),
            "INVITE sip:a SIP/2.0\nFrom: " + String(repeating: "\"", count: 1001) + "\nVia: "
                + String(repeating: "[", count: 1000) + "\n\n",
            "SIP/2.0 200 OK\nContent-Type: multipart/mixed;boundary=\"\n\n--\n",
        ]
        for t in texts { Self.exercise(Array(t.utf8)) }
    }
}
