// Test fixtures: SIP messages and SDP bodies from the RFCs and the project's specification texts.
// Each says where it came from and what was changed. Texts are written with "\n" line ends;
// `wire(_:)` turns them into CRLF bytes as SIP and SDP put them on the wire.

enum Fixtures {
    /// Text with LF line ends → bytes with CRLF line ends.
    static func wire(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in text.utf8 {
            if b == 0x0A { out.append(0x0D) }
            out.append(b)
        }
        return out
    }

    /// A SIP message from header text (LF line ends, no trailing blank line) and a body, with
    /// `Content-Length: \(body.count)` appended as the last header.
    static func message(headers: String, body: [UInt8]) -> [UInt8] {
        wire(headers + "\nContent-Length: \(body.count)\n\n") + body
    }

    // MARK: - RFC 4566 §5 (SDP example), copied from the RFC text.

    static let rfc4566Example = """
        v=0
        o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5
        s=SDP Seminar
        i=A Seminar on the session description protocol
        u=http://www.example.com/seminars/sdp.pdf
        e=j.doe@example.com (Jane Doe)
        c=IN IP4 224.2.17.12/127
        t=2873397496 2873404696
        a=recvonly
        m=audio 49170 RTP/AVP 0
        m=video 51372 RTP/AVP 99
        a=rtpmap:99 h263-1998/90000

        """

    // MARK: - RFC 4568 §8.1 offer and answer, as quoted in /work/shared/vectors/vectors.json
    // (ids rfc4568-fec-order-example, rfc4568-multi-key-f8-example, rfc4568-4-example); the RFC folds
    // the crypto lines for layout, here each is on one line.

    static let rfc4568Offer = """
        v=0
        o=sam 2890844526 2890842807 IN IP4 10.47.16.5
        s=SRTP Discussion
        i=A discussion of Secure RTP
        u=http://www.example.com/seminars/srtp.pdf
        e=marge@example.com (Marge Simpson)
        c=IN IP4 168.2.17.12
        t=2873397496 2873404696
        m=audio 49170 RTP/SAVP 0
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP
        a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP

        """

    static let rfc4568Answer = """
        v=0
        o=jill 25690844 8070842634 IN IP4 10.47.16.5
        s=SRTP Discussion
        i=A discussion of Secure RTP
        u=http://www.example.com/seminars/srtp.pdf
        e=homer@example.com (Homer Simpson)
        c=IN IP4 168.2.17.11
        t=2873397526 2873405696
        m=audio 32640 RTP/SAVP 0
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4

        """

    // MARK: - RFC 3261 §24.2 (session setup): F1 INVITE and F9 200 OK headers transcribed from the RFC.
    // The RFC does not show the SDP bodies ("Alice's SDP not shown"); the RFC 4568 offer and answer
    // stand in for them, so Content-Length is recomputed.

    static let rfc3261InviteHeaders = """
        INVITE sip:bob@biloxi.com SIP/2.0
        Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds
        Max-Forwards: 70
        To: Bob <sip:bob@biloxi.com>
        From: Alice <sip:alice@atlanta.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.atlanta.com
        CSeq: 314159 INVITE
        Contact: <sip:alice@pc33.atlanta.com>
        Content-Type: application/sdp
        """

    static let rfc3261OKHeaders = """
        SIP/2.0 200 OK
        Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3
        Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2
        Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1
        To: Bob <sip:bob@biloxi.com>;tag=a6c85cf
        From: Alice <sip:alice@atlanta.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.atlanta.com
        CSeq: 314159 INVITE
        Contact: <sip:bob@192.0.2.4>
        Content-Type: application/sdp
        """

    /// RFC 3261 §24.2 F17 BYE (no body), transcribed.
    static let rfc3261Bye = """
        BYE sip:alice@pc33.atlanta.com SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10
        Max-Forwards: 70
        From: Bob <sip:bob@biloxi.com>;tag=a6c85cf
        To: Alice <sip:alice@atlanta.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.atlanta.com
        CSeq: 231 BYE
        Content-Length: 0


        """

    static var rfc3261Invite: [UInt8] { message(headers: rfc3261InviteHeaders, body: wire(rfc4568Offer)) }
    static var rfc3261OK: [UInt8] { message(headers: rfc3261OKHeaders, body: wire(rfc4568Answer)) }

    // MARK: - MS-SDP §4.1 (/work/shared/specs/000_5c1986e8d5388184.txt), INVITE and 200 OK SDP, copied.
    // Note the space after "k=base64:" as the spec prints it.

    static let msSDPInvite = """
        v=0
        o=- 0 0 IN IP4 11.22.33.44
        s=session
        c=IN IP4 11.22.33.44
        b=CT:1000
        t=0 0
        m=audio 5050 RTP/AVP 97 111 112 6 0 8 4 5 3 101
        k=base64: Y6UN8SAFnqNTI6luN+1II3dqRk0spxbtqfuv5EYSYSM
        a=rtpmap:97 red/8000
        a=rtpmap:111 SIREN/16000
        a=fmtp:111 bitrate=16000
        a=rtpmap:112 G7221/16000
        a=fmtp:112 bitrate=24000
        a=rtpmap:6 DVI4/16000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:4 G723/8000
        a=rtpmap:5 DVI4/8000
        a=rtpmap:3 GSM/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16
        a=encryption:required
        m=video 5036 RTP/AVP 34 31
        k=base64: Y6UN8SAFnqNTI6luN+1II3dqRk0spxbtqfuv5EYSYSM
        a=rtpmap:34 H263/90000
        a=rtpmap:31 H261/90000

        """

    static let msSDPOK = """
        v=0
        o=- 0 0 IN IP4 11.22.33.55
        s=session
        c=IN IP4 11.22.33.55
        b=CT:1000
        t=0 0
        m=audio 5050 RTP/AVP 97 111 112 6 0 8 4 5 3 101
        k=base64: h6KmQIeIFj3rz4iiMAsYQju5EEitwAiveVu7RuHhev8
        a=rtpmap:97 red/8000
        a=rtpmap:111 SIREN/16000
        a=fmtp:111 bitrate=16000
        a=rtpmap:112 G7221/16000
        a=fmtp:112 bitrate=24000
        a=rtpmap:6 DVI4/16000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:4 G723/8000
        a=rtpmap:5 DVI4/8000
        a=rtpmap:3 GSM/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16
        a=encryption:required
        m=video 5036 RTP/AVP 34 31
        k=base64: h6KmQIeIFj3rz4iiMAsYQju5EEitwAiveVu7RuHhev8
        a=rtpmap:34 H263/90000
        a=rtpmap:31 H261/90000
        a=encryption:required

        """

    /// MS-SDP §4.2: the 488 response, copied (Content-Length 0).
    static let msSDP488 = """
        SIP/2.0 488 Encryption Levels not compatible
        Via: SIP/2.0/TCP 11.22.33.44:4934
        From: "Alice" <sip:alice@contoso.com>;tag=b8c543e1-ffb3-4b5a-880c-4d78f37643bb
        To: <sip:bob@contoso.com>;tag=27221d0e-26d4-410f-9363-6ad3337cf152
        Call-ID: 01a465dd-dafd-461d-a6ef-99c2c7df0e27@11.22.33.44
        CSeq: 2 INVITE
        Warning: 308 ms.com "Encryption Levels not compatible"
        Content-Length: 0


        """

    // MARK: - draft-dawes-dispatch-mediasec-parameter §4.1.1 Figure 4 step (3)
    // (/work/shared/specs/001_7a6887537e40f62f.txt): headers copied (Content-Length recomputed, the
    // draft says 285), SDP copied with the folded a=crypto line unfolded. The draft's key text
    // "KCKg" differs from RFC 4568's "KCkg"; it is kept as printed (still valid base64).

    static let mediasecInviteHeaders = """
        INVITE sip:bob@ua2.example.com SIP/2.0
        Security-Verify: ipsec-ike;q=0.1
        Security-Verify: tls;q=0.2
        Security-Verify: sdes-srtp;mediasec
        Route: proxy.example.com
        Require: sec-agree, mediasec
        Proxy-Require: sec-agree, mediasec
        Via: SIP/2.0/TCP proxy.example.com:5060;branch=z9hG4bK74bf9
        Max-Forwards: 70
        From: Alice <sip:alice@ua1.example.com>;tag=9fxced76sl
        To: Bob <sip:bob@ua2.example.com>
        Call-ID: 3848276298220188511@ua1.example.com
        CSeq: 1 INVITE
        Contact: <sip:alice@ua1.example.com;transport=tcp>
        Content-Type: application/sdp
        """

    static let mediasecSDP = """
        v=0
        o=alice 2890844526 2890844526 IN IP4 ua1.example.com
        s=-
        c=IN IP4 192.0.2.101
        t=0 0
        m=audio 49172 RTP/SAVP 0
        a=3ge2ae
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCKgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP
        a=rtpmap:0 PCMU/8000

        """

    static var mediasecInvite: [UInt8] { message(headers: mediasecInviteHeaders, body: wire(mediasecSDP)) }

    /// Figure 6 step (1): an OPTIONS with the media-plane Security-Client (headers copied; the
    /// mandatory headers the draft leaves out are added so that the message is complete).
    static let mediasecOptions = """
        OPTIONS sip:proxy.example.com SIP/2.0
        Security-Client: sdes-srtp;mediasec
        Require: mediasec
        Proxy-Require: mediasec
        Via: SIP/2.0/TCP ua1.example.com;branch=z9hG4bKopt1
        From: <sip:alice@ua1.example.com>;tag=o1
        To: <sip:proxy.example.com>
        Call-ID: opt-1@ua1.example.com
        CSeq: 1 OPTIONS
        Content-Length: 0


        """

    // MARK: - Skype for Business offer, /work/shared/protocols/microsoft.md ("SDP: which key protects
    // which media"). The m= section is copied; the session lines around it are added.

    static let skypeOffer = """
        v=0
        o=- 0 1 IN IP4 192.0.2.10
        s=session
        c=IN IP4 192.0.2.10
        t=0 0
        m=audio 27100 RTP/SAVP 117 104 114 9 112 111 0 8 103 116 115 97 13 118 119 101
        a=cryptoscale:1 client AES_CM_128_HMAC_SHA1_80 inline:3t+Jui/n92LdFt7lBWOYUC1wUg52ub4HAW4PzdDl|2^31|1:1
        a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:3t+Jui/n92LdFt7lBWOYUC1wUg52ub4HAW4PzdDl|2^31|1:1
        a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:3t+Jui/n92LdFt7lBWOYUC1wUg52ub4HAW4PzdDl|2^31
        a=rtcp-mux

        """

    // MARK: - Written for these tests: a WebRTC-style offer exercising ICE, ssrc, extmap, DTLS.

    static let webrtcOffer = """
        v=0
        o=- 4611731400430051336 2 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE 0
        a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F
        a=setup:actpass
        m=audio 9 UDP/TLS/RTP/SAVPF 111 0
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0
        a=candidate:1853887674 1 udp 1845501695 46.2.2.2 36768 typ srflx raddr 192.168.0.196 rport 46243 generation 0
        a=mid:0
        a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=extmap:2/sendonly urn:ietf:params:rtp-hdrext:encrypt urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=sendrecv
        a=rtcp-mux
        a=cryptex
        a=rtpmap:111 opus/48000/2
        a=fmtp:111 minptime=10;useinbandfec=1
        a=rtpmap:0 PCMU/8000
        a=ptime:20
        a=ssrc:3570614608 cname:4TOk42mSjXCkVIa6
        a=ssrc:3570614608 msid:lgsCFqt9kN2fVKw5wgjVXkdLtB7nj2uIOiU0 6fa5a5ad
        m=video 0 UDP/TLS/RTP/SAVPF 96
        c=IN IP6 ::
        a=mid:1
        a=inactive

        """
}
