import Datagrams
import Testing

func kind(_ p: [UInt8], heuristics: Bool = true) -> PayloadKind {
    PayloadClassifier.classify(p[...], heuristics: heuristics).kind
}

@Test func stunByCookie() {
    #expect(PayloadClassifier.classify(stunIPv4Response[...]) == Classification(.stun, .magicCookie))
    // First byte 0..3 but the cookie is wrong: not STUN.
    var bad = stunIPv4Response
    bad[4] = 0x22
    #expect(kind(bad) == .unknown)
    // Length field not matching the datagram.
    #expect(kind(stunIPv4Response + [0, 0, 0, 0]) == .unknown)
}

@Test func dtlsByFirstByte() {
    #expect(PayloadClassifier.classify(dtlsRecord(body: clientHelloStart)[...]) == Classification(.dtls, .firstByte))
    #expect(kind(dtlsRecord(type: 23, epoch: 1, body: [1, 2, 3])) == .dtls)
    // 20..63 but the version major is not 0xFE (a TLS record, or noise).
    #expect(kind(dtlsRecord(version: 0x0303, body: [1])) == .unknown)
    // Content type 30 is in the DTLS range of RFC 7983 but not a DTLS content type.
    #expect(kind(dtlsRecord(type: 30, body: [1])) == .unknown)
}

@Test func turnChannelDataByFirstByte() {
    #expect(PayloadClassifier.classify(channelData(0x4001, rtp())[...]) == Classification(.turnChannelData, .firstByte))
    // Length past the datagram.
    #expect(kind(channelData(0x4001, [1, 2], lengthOverride: 10)) == .unknown)
    // 0x50.. is outside 64..79.
    #expect(kind(channelData(0x5001, [1, 2])) == .unknown)
}

@Test func rtpAndRtcpByRFC5761() {
    #expect(PayloadClassifier.classify(rtp(pt: 0)[...]) == Classification(.rtp, .heuristic))
    #expect(kind(rtp(pt: 111, marker: true)) == .rtp)
    // Second byte 200..204: RTCP, even with the marker-bit reading of RTP (PT 72..76 + M).
    #expect(PayloadClassifier.classify(senderReport[...]) == Classification(.rtcp, .firstByte))
    #expect(kind(receiverReport + sdes) == .rtcp)
    for p in [
        sdes, bye, app, xr, rtcp(pt: 205, count: 1, body: be32(1) + be32(2)),
        rtcp(pt: 206, count: 1, body: be32(1) + be32(2)),
    ] {
        #expect(kind(p) == .rtcp)
    }
    // Second byte 192..223 but outside 200..207: RTCP only on heuristic grounds.
    #expect(PayloadClassifier.classify(rtcp(pt: 195, body: be32(1))[...]) == Classification(.rtcp, .heuristic))
    // An RTCP length past the datagram.
    #expect(kind(rtcp(pt: 200, body: be32(1), lengthOverride: 40)) == .unknown)
}

@Test func rtpHeuristicRejectsImplausible() {
    // Payload type 50 (unassigned) is not taken as RTP.
    #expect(kind(rtp(pt: 50)) == .unknown)
    // CSRC count past the packet.
    #expect(kind(Array(rtp(ccOverride: 15).prefix(16))) == .unknown)
    // Heuristics off: even a good RTP header is not claimed.
    #expect(kind(rtp(), heuristics: false) == .unknown)
    // Version 3 (first byte 0xC0, past RFC 7983's 128..191).
    var v3 = rtp()
    v3[0] = 0xC0
    #expect(kind(v3) == .unknown)
}

@Test func dnsIsNotRTP() {
    // A DNS query (RFC 1035 §4.1.1) for "example.com" A, transaction ID 0xB5C2: the first byte reads
    // as V=2, P=1, X=1, CC=5, which needs 32 bytes of header plus an extension and padding that do not fit.
    let query = hex(
        """
        b5c2 0100 0001 0000 0000 0000        # id, flags RD, 1 question
        07 6578616d706c65 03 636f6d 00       # example.com
        0001 0001                            # type A, class IN
        """)
    #expect(kind(query) == .unknown)
    // And over UDP port 53 the decoder does not even try the heuristic: an ID of 0x8001 with flags
    // 0x0000 would otherwise pass (PT 0, 12+ bytes).
    let plausible = hex("8001 0000 0001 0000 0000 0000 03 616263 00 0001 0001")
    #expect(kind(plausible) == .rtp)
    let d = FrameDecoder().decode(frame(ipv4(payload: udp(53, 33000, payload: plausible)), link: .ipv4))
    #expect(d.classification.kind == .unknown)
}

@Test func sipByStartLine() {
    let invite = Array("INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: x\r\n\r\n".utf8)
    #expect(PayloadClassifier.classify(invite[...]) == Classification(.sip, .startLine))
    #expect(kind(Array("SIP/2.0 200 OK\r\n\r\n".utf8)) == .sip)
    #expect(kind(Array("REGISTER sips:example.com SIP/2.0\n".utf8)) == .sip)
    #expect(kind(Array("MESSAGE tel:+15551234 SIP/2.0\r\n".utf8)) == .sip)
    // Not SIP: HTTP, a wrong version, a lower-case method, a status without 3 digits, no line end.
    #expect(kind(Array("GET / HTTP/1.1\r\n".utf8)) == .unknown)
    #expect(kind(Array("INVITE sip:bob@b SIP/3.0\r\n".utf8)) == .unknown)
    #expect(kind(Array("invite sip:bob@b SIP/2.0\r\n".utf8)) == .unknown)
    #expect(kind(Array("SIP/2.0 20 OK\r\n".utf8)) == .unknown)
    #expect(kind(Array("INVITE sip:bob@b SIP/2.0".utf8)) == .unknown)
    // "INVITE" starts with 0x49, inside TURN's 64..79: SIP is tested first, on any port.
    let d = FrameDecoder().decode(frame(ipv4(payload: udp(12345, 23456, payload: invite)), link: .ipv4))
    #expect(d.classification.kind == .sip)
}

@Test func emptyAndOddFirstBytes() {
    #expect(kind([]) == .unknown)
    #expect(kind([0x80]) == .unknown)
    #expect(kind([200, 0, 0]) == .unknown)  // 192..255 is unassigned in RFC 7983
    #expect(kind([0x10, 1, 2, 3]) == .unknown)  // 4..19: ZRTP range etc., not classified
}
