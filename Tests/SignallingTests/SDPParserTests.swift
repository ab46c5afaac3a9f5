import Capture
import Testing

@testable import Signalling

@Suite struct SDPParserTests {
    private func parse(_ text: String) -> SDPParseResult { SDPParser.parse(Fixtures.wire(text)) }

    @Test func rfc4566ExampleWithInheritance() throws {
        let r = parse(Fixtures.rfc4566Example)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let sdp = r.description
        #expect(sdp.version == 0)
        #expect(sdp.origin?.username == "jdoe")
        #expect(sdp.origin?.address == "10.47.16.5")
        #expect(sdp.sessionName == "SDP Seminar")
        #expect(sdp.connection?.address == "224.2.17.12")
        #expect(sdp.connection?.ttl == 127)
        #expect(sdp.connection?.count == 1)
        #expect(sdp.direction == .recvonly)
        #expect(sdp.media.count == 2)
        let audio = sdp.media[0]
        let video = sdp.media[1]
        #expect(audio.type == "audio" && audio.port == 49170 && audio.proto == "RTP/AVP" && audio.formats == ["0"])
        #expect(audio.effectiveConnection?.address == "224.2.17.12", "c= inherited from the session")
        #expect(audio.effectiveDirection == .recvonly, "direction inherited from the session")
        #expect(video.rtpmaps == [SDPRtpMap(payloadType: 99, encoding: "h263-1998", clockRate: 90000, channels: nil)])
        #expect(audio.rtpmaps.isEmpty, "a=rtpmap after m=video belongs to video only")
    }

    @Test func rfc4568OfferAndAnswer() throws {
        let offer = parse(Fixtures.rfc4568Offer)
        #expect(offer.diagnostics.isEmpty, "\(offer.diagnostics)")
        let m = try #require(offer.description.media.first)
        #expect(m.isSecureProfile)
        #expect(m.security.crypto.map(\.tag) == [1, 2])
        #expect(m.security.crypto[1].keyParams.map { $0.mki?.value } == [1, 2])
        #expect(m.security.crypto[1].suite?.name == "F8_128_HMAC_SHA1_80")
        #expect(m.security.crypto[0].sessionParams == [.fecOrder("FEC_SRTP")])

        let answer = parse(Fixtures.rfc4568Answer)
        #expect(answer.diagnostics.isEmpty, "\(answer.diagnostics)")
        #expect(answer.description.media.first?.effectiveConnection?.address == "168.2.17.11")
        #expect(answer.description.media.first?.security.crypto.first?.keyParams.first?.keySalt?.count == 30)
    }

    @Test func msSDPInviteAndOK() throws {
        for (text, keyText) in [
            (Fixtures.msSDPInvite, "Y6UN8SAFnqNTI6luN+1II3dqRk0spxbtqfuv5EYSYSM"),
            (Fixtures.msSDPOK, "h6KmQIeIFj3rz4iiMAsYQju5EEitwAiveVu7RuHhev8"),
        ] {
            let r = parse(text)
            // Only the tolerated space after "base64:" is noted, once per k= line.
            #expect(r.diagnostics.map(\.code) == [SignallingCode.sdpKey, SignallingCode.sdpKey])
            #expect(r.diagnostics.allSatisfy { $0.severity == .note })
            let media = r.description.media
            #expect(media.map(\.type) == ["audio", "video"])
            #expect(media.allSatisfy { $0.effectiveKey?.method == .base64 && $0.effectiveKey?.text == keyText })
            // 43 base64 characters without padding: 32 bytes.
            #expect(media[0].effectiveKey?.decoded?.count == 32)
            #expect(media[0].effectiveEncryption == .required)
            #expect(media[0].rtpmaps.count == 10)
            #expect(media[0].fmtps.first == SDPFmtp(format: "111", parameters: "bitrate=16000"))
        }
        // The INVITE's video section has no a=encryption (the spec prints it outside the SDP block).
        #expect(parse(Fixtures.msSDPInvite).description.media[1].effectiveEncryption == nil)
        #expect(parse(Fixtures.msSDPOK).description.media[1].effectiveEncryption == .required)
    }

    @Test func skypeForBusinessOffer() throws {
        let r = parse(Fixtures.skypeOffer)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let m = try #require(r.description.media.first)
        #expect(m.rtcpMux)
        #expect(m.formats.count == 16)
        let lines = m.security.crypto
        #expect(lines.map(\.kind) == [.cryptoscale, .crypto, .crypto])
        #expect(lines.map(\.tag) == [1, 2, 3])
        #expect(lines[0].role == "client")
        #expect(lines.map { $0.keyParams.first?.mki?.length } == [1, 1, nil])
        #expect(lines.allSatisfy { $0.keyParams.first?.lifetime?.packets == 1 << 31 })
        #expect(lines[0].keyParams.first?.mki?.bytes == [1])
    }

    @Test func mediasecSDP() throws {
        let r = parse(Fixtures.mediasecSDP)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let m = try #require(r.description.media.first)
        #expect(m.effectiveEndToAccessEdge)
        #expect(m.security.crypto.first?.keyParams.first?.mki == SDESMKI(valueText: "1", value: 1, length: 4))
        #expect(m.security.crypto.first?.keyParams.first?.mki?.bytes == [0, 0, 0, 1])
    }

    @Test func webrtcOfferAttributes() throws {
        let r = parse(Fixtures.webrtcOffer)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let sdp = r.description
        let audio = sdp.media[0]
        #expect(audio.isDTLSProfile)
        #expect(audio.effectiveConnection?.isUnspecified == true)
        #expect(audio.rtcp == SDPRtcp(port: 9, netType: "IN", addrType: "IP4", address: "0.0.0.0"))
        #expect(audio.candidates.count == 2)
        let srflx = audio.candidates[1]
        #expect(srflx.type == "srflx" && srflx.address == "46.2.2.2" && srflx.port == 36768)
        #expect(srflx.relatedAddress == "192.168.0.196" && srflx.relatedPort == 46243)
        #expect(srflx.priority == 1_845_501_695 && srflx.component == 1 && srflx.transport == "UDP")
        #expect(srflx.extensions == [SDPCandidate.Extension(name: "generation", value: "0")])
        #expect(audio.mid == "0")
        #expect(audio.extmaps.count == 2)
        #expect(!audio.extmaps[0].isEncrypted)
        #expect(audio.extmaps[1].isEncrypted && audio.extmaps[1].direction == "sendonly")
        #expect(audio.extmaps[1].encryptedURI == "urn:ietf:params:rtp-hdrext:ssrc-audio-level")
        #expect(audio.effectiveCryptex && audio.rtcpMux && audio.effectiveDirection == .sendrecv)
        #expect(audio.rtpmaps.first == SDPRtpMap(payloadType: 111, encoding: "opus", clockRate: 48000, channels: 2))
        #expect(audio.ptime == 20)
        #expect(audio.ssrcs.map(\.ssrc) == [3_570_614_608, 3_570_614_608])
        #expect(audio.ssrcs[0].attribute == "cname" && audio.ssrcs[0].value == "4TOk42mSjXCkVIa6")
        #expect(audio.effectiveFingerprints.first?.hashFunction == "sha-256")
        #expect(audio.effectiveFingerprints.first?.fingerprint.count == 32)
        #expect(audio.effectiveSetup == "actpass")
        let video = sdp.media[1]
        #expect(video.isRejected && video.effectiveDirection == .inactive)
        #expect(video.effectiveConnection?.addrType == "IP6")
    }

    @Test func concatenatedBodies() {
        let text = "# offer then answer\n" + Fixtures.rfc4568Offer + "\n" + Fixtures.rfc4568Answer
        let bodies = SDPParser.splitConcatenatedBodies(Array(text.utf8))
        #expect(bodies.map(\.firstLine) == [2, 2 + Fixtures.rfc4568Offer.split(separator: "\n").count + 1])
        #expect(bodies.first?.body == Array((Fixtures.rfc4568Offer + "\n").utf8))
        #expect(bodies.last?.body == Array(Fixtures.rfc4568Answer.utf8))
        #expect(bodies.map { SDPParser.parse($0.body).description.media.first?.port } == [49170, 32640])
        #expect(SDPParser.splitConcatenatedBodies(Array("no sdp here\n".utf8)).isEmpty)
    }

    @Test func rtcpDestinations() throws {
        let sdp = SDPParser.parse(
            Fixtures.wire(
                "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 5000 RTP/AVP 0\nm=audio 5002 RTP/AVP 0\na=rtcp-mux\nm=audio 5004 RTP/AVP 0\na=rtcp:6000 IN IP4 192.0.2.9\nm=audio 0 RTP/AVP 0\nm=audio 65535 RTP/AVP 0\n"
            )
        ).description
        let got = sdp.media.map { $0.rtcpDestination.map { "\($0.address ?? "-"):\($0.port)" } ?? "none" }
        #expect(got == ["-:5001", "-:5002", "192.0.2.9:6000", "none", "none"])
    }

    @Test func connectionLines() throws {
        let cases: [(String, String?, Int?, Int, [String])] = [
            ("IN IP4 224.2.1.1/127/3", "224.2.1.1", 127, 3, []),
            ("IN IP6 FF15::101/3", "FF15::101", nil, 3, []),
            ("IN IP4 192.0.2.1", "192.0.2.1", nil, 1, []),
            ("IN IP4 host.example.com", "host.example.com", nil, 1, []),
            ("IN IP4 224.2.1.1", "224.2.1.1", nil, 1, [SignallingCode.sdpConnection]),
            ("IN IP4 192.0.2.1/5", "192.0.2.1", 5, 1, [SignallingCode.sdpConnection]),
            ("IN IP4 300.1.1.1", nil, nil, 0, [SignallingCode.sdpConnection]),
            ("IN IP4 224.2.1.1/999", nil, nil, 0, [SignallingCode.sdpConnection]),
            ("IN IP6 FF15::1/2/3", nil, nil, 0, [SignallingCode.sdpConnection]),
            ("IN IP4", nil, nil, 0, [SignallingCode.sdpConnection]),
        ]
        for (value, address, ttl, count, codes) in cases {
            var sink = DiagnosticSink()
            let c = SDPParser.parseConnection(value[...], line: 1, field: "c=", sink: &sink)
            #expect(c?.address == address, "\(value)")
            if let c {
                #expect(c.ttl == ttl, "\(value)")
                #expect(c.count == count, "\(value)")
            }
            #expect(sink.all.map(\.code) == codes, "\(value): \(sink.all)")
        }
    }

    @Test func mediaLines() throws {
        let r = parse(
            "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 49170/2 RTP/AVP 0\nm=video 0 RTP/SAVPF 96\nm=audio 70000 RTP/AVP 0\na=rtcp-mux\nm=audio 5000 RTP/SAVP 0\n"
        )
        #expect(r.description.media.count == 3, "the m= line with port 70000 is dropped")
        #expect(r.description.media[0].portCount == 2)
        #expect(r.description.media[1].isRejected)
        #expect(!r.description.media[2].rtcpMux, "a=rtcp-mux after a bad m= line does not leak into the next media")
        #expect(r.diagnostics.map(\.code) == [SignallingCode.sdpMedia])
        #expect(r.diagnostics.first?.field == "SDP line 8 m=")
    }

    @Test func sessionLevelCryptoIsRecordedAndDiagnosed() throws {
        let r = parse(
            "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\nm=audio 5000 RTP/SAVP 0\n"
        )
        #expect(r.description.security.crypto.count == 1)
        #expect(r.description.media[0].security.crypto.isEmpty)
        #expect(r.diagnostics.map(\.code) == [SignallingCode.sdpMisplaced])
        #expect(r.diagnostics.first?.message.contains("RFC 4568") == true)
    }

    @Test func cryptoOnAVPIsOpportunistic() {
        let r = parse(
            "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 5000 RTP/AVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\n"
        )
        #expect(r.description.media[0].security.crypto.count == 1)
        #expect(r.diagnostics.map(\.severity) == [.note])
    }

    @Test func keyFieldsAndEncryption() {
        let r = parse(
            """
            v=0
            o=- 1 1 IN IP4 192.0.2.1
            s=-
            c=IN IP4 192.0.2.1
            t=0 0
            k=clear:secret
            a=encryption:optional
            m=audio 5000 RTP/AVP 0
            m=audio 5002 RTP/AVP 0
            k=uri:https://keys.example.com/1
            m=audio 5004 RTP/AVP 0
            k=prompt
            a=encryption:sometimes
            m=audio 5006 RTP/AVP 0
            k=base64:not*base64
            m=audio 5008 RTP/AVP 0
            k=smoke:signal

            """)
        let m = r.description.media
        #expect(m[0].effectiveKey?.method == .clear && m[0].effectiveKey?.decoded == Array("secret".utf8))
        #expect(m[0].effectiveEncryption == .optional)
        #expect(m[1].effectiveKey?.method == .uri && m[1].effectiveKey?.text == "https://keys.example.com/1")
        #expect(m[2].effectiveKey?.method == .prompt)
        #expect(m[2].effectiveEncryption == .optional, "an unreadable a=encryption does not override the session")
        #expect(m[3].effectiveKey?.decoded == nil)
        #expect(m[4].effectiveKey?.method == .unknown)
        #expect(
            r.diagnostics.map(\.code) == [SignallingCode.sdpEncryption, SignallingCode.sdpKey, SignallingCode.sdpKey])
    }

    @Test func recordedKeyingAttributes() throws {
        let r = parse(
            """
            v=0
            o=- 1 1 IN IP4 192.0.2.1
            s=-
            c=IN IP4 192.0.2.1
            t=0 0
            a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyO7ckl2hAAAAAAAAAAA=
            m=audio 5000 RTP/SAVP 0
            a=zrtp-hash:1.10 fe30efd02423cb054e50efd0248742ac7a52c8f91bc2df881ae642c371ba46df
            a=fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB
            a=setup:passive
            m=audio 5002 RTP/SAVP 0
            a=key-mgmt:mikey @@@
            a=zrtp-hash:1.10 short
            a=setup:sideways

            """)
        let m = r.description.media
        #expect(m[0].effectiveKeyManagement.first?.protocolID == "mikey")
        #expect(m[0].effectiveKeyManagement.first?.decodedLength == 35, "48 base64 characters with one pad")
        #expect(m[0].security.zrtpHashes.first?.version == "1.10")
        #expect(m[0].security.fingerprints.first?.hashFunction == "sha-1")
        #expect(m[0].security.fingerprints.first?.fingerprint.count == 20)
        #expect(m[0].effectiveSetup == "passive")
        #expect(m[1].effectiveKeyManagement.first?.decodedLength == nil, "own key-mgmt overrides the session's")
        #expect(
            r.diagnostics.map(\.code) == [
                SignallingCode.sdpAttribute, SignallingCode.sdpAttribute, SignallingCode.sdpAttribute,
            ])
    }

    @Test func sloppyButReadable() throws {
        // LF line ends, blank lines, trailing spaces, double spaces, unknown line type, no v=/t=.
        let text = "o=-  1 1 IN IP4 192.0.2.1  \n\ns=-\nc=IN  IP4 192.0.2.1\nx=unknown\nm=audio  5000 RTP/AVP 0\n"
        let r = SDPParser.parse(Array(text.utf8))
        #expect(r.description.media.first?.port == 5000)
        #expect(r.description.media.first?.effectiveConnection?.address == "192.0.2.1")
        #expect(
            r.diagnostics.map(\.code) == [
                SignallingCode.sdpUnknownType, SignallingCode.sdpMissingLine, SignallingCode.sdpMissingLine,
            ])
    }

    @Test func thousandsOfLinesAreCut() {
        var text = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 5000 RTP/AVP 0\n"
        for i in 0..<10_000 { text += "a=ssrc:\(i) cname:x\n" }
        let r = SDPParser.parse(Array(text.utf8))
        #expect(r.diagnostics.map(\.code) == [SignallingCode.sdpTooManyLines])
        #expect(r.description.media[0].ssrcs.count == SignallingLimits.maxSDPLines - 6)
    }

    @Test func mediaCountIsBounded() {
        var text = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
        for i in 0..<(SignallingLimits.maxMediaDescriptions + 5) {
            text += "m=audio \(5000 + 2 * i) RTP/AVP 0\na=rtcp-mux\n"
        }
        let r = SDPParser.parse(Array(text.utf8))
        #expect(r.description.media.count == SignallingLimits.maxMediaDescriptions)
        #expect(r.diagnostics.map(\.code) == [SignallingCode.sdpTooManyMedia])
    }

    @Test func diagnosticFloodIsBounded() {
        var text = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 5000 RTP/AVP 0\n"
        for _ in 0..<1_000 { text += "garbage line\n" }
        let r = SDPParser.parse(Array(text.utf8))
        #expect(r.diagnostics.count == SignallingLimits.maxDiagnosticsPerMessage + 1)
        #expect(r.diagnostics.last?.code == SignallingCode.limit)
    }
}
