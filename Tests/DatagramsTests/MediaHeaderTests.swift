import Datagrams
import Testing

@Test func rtpFixedHeaderAndCSRCs() throws {
    let p = rtp(pt: 8, seq: 0xBEEF, ts: 0x0102_0304, ssrc: 0xCAFE_BABE, marker: true, csrcs: [1, 2])
    let h = try RTPHeader.parse(p[...])
    #expect(h.version == 2 && h.marker && !h.padding && !h.hasExtension)
    #expect(h.payloadType == 8)
    #expect(h.sequenceNumber == 0xBEEF)
    #expect(h.timestamp == 0x0102_0304)
    #expect(h.ssrc == 0xCAFE_BABE)
    #expect(h.csrcCount == 2)
    #expect(h.csrcs(in: p[...]) == [1, 2])
    #expect(h.headerLength == 20)
    #expect(h.payloadRange == 20..<24)
}

@Test func rtpOneByteExtension() throws {
    // RFC 8285 §4.2: profile 0xBEDE, 3 words: element ID 1 with L=1 (2 bytes), a padding byte, ID 2 with
    // L=3 (4 bytes), three padding bytes.
    let ext = hex("11 aabb 00 23 01020304 000000")
    let p = rtp(extensionProfile: 0xBEDE, extensionData: ext)
    let h = try RTPHeader.parse(p[...])
    let e = try #require(h.extension)
    #expect(e.isOneByte && e.lengthWords == 3)
    #expect(h.headerLength == 12 + 4 + 12)
    let elements = try e.elements(in: p[...])
    #expect(elements.map(\.id) == [1, 2])
    #expect(elements.map { Array(p[$0.range]) } == [[0xAA, 0xBB], [1, 2, 3, 4]])
}

@Test func rtpTwoByteExtension() throws {
    // RFC 8285 §4.3: profile 0x1000: ID 5 length 2, ID 6 length 0, padding.
    let ext = hex("05 02 abcd 06 00 0000")
    let p = rtp(extensionProfile: 0x1000, extensionData: ext)
    let elements = try #require(try RTPHeader.parse(p[...]).extension).elements(in: p[...])
    #expect(elements.map(\.id) == [5, 6])
    #expect(elements.map { $0.range.count } == [2, 0])
}

@Test func rtpExtensionElementPastExtension() throws {
    // One-byte element ID 1 claiming 16 bytes in a 4-byte extension.
    let p = rtp(extensionProfile: 0xBEDE, extensionData: hex("1f 000000"))
    let e = try #require(try RTPHeader.parse(p[...]).extension)
    #expect(throws: ParseError.self) { try e.elements(in: p[...]) }
}

@Test func rtpPadding() throws {
    let p = rtp(padding: 4)
    #expect(try RTPHeader.parse(p[...]).paddingLength == 4)
}

func rtpError(_ p: [UInt8]) -> String? {
    do {
        _ = try RTPHeader.parse(p[...])
        return nil
    } catch {
        return error.code
    }
}

@Test func rtpMalformedLengths() {
    #expect(rtpError(Array(rtp(ccOverride: 3).prefix(20))) == "rtp.csrc-count")
    #expect(
        rtpError(rtp(extensionProfile: 0xBEDE, extensionData: [0, 0, 0, 0], extensionWordsOverride: 9))
            == "rtp.extension-length")
    #expect(rtpError(rtp(paddingCountOverride: 40, payload: [1, 2])) == "rtp.padding")
    #expect(rtpError(rtp(paddingCountOverride: 0, payload: [1, 2])) == "rtp.padding")
    #expect(rtpError(Array(rtp().prefix(11))) == "rtp.truncated")
}

@Test func rtcpCompoundWalk() throws {
    let bytes = senderReport + sdes + bye + app + xr
    let c = try RTCPCompound.parse(bytes[...])
    #expect(c.packets.map(\.kind.name) == ["SR", "SDES", "BYE", "APP", "XR"])
    #expect(c.trailingRange.isEmpty)
    let sr = c.packets[0]
    #expect(sr.ssrc == 0x1111_1111)
    #expect(sr.senderInfo?.ntpTimestamp == 0x0102_0304_0506_0708)
    #expect(sr.senderInfo?.rtpTimestamp == 0x0A0B_0C0D)
    #expect(sr.senderInfo?.packetCount == 7)
    #expect(sr.senderInfo?.octetCount == 700)
    #expect(sr.reportBlockCount == 1)
    #expect(sr.range == 0..<52)
    #expect(c.packets[3].appName == 0x5445_5354)  // "TEST"
    let rr = try RTCPCompound.parse(receiverReport[...])
    #expect(rr.packets.first?.reportBlockCount == 2)
}

@Test func rtcpTrailerOfSRTCPIsLeftUnwalked() throws {
    // An RR followed by an SRTCP trailer: E=0 and index 1 (00000001), then a 10-byte tag. The trailer's
    // first byte gives version 0, so the walk stops there and leaves the 14 bytes as trailing.
    let bytes = receiverReport + [0, 0, 0, 1] + [UInt8](repeating: 0x5A, count: 10)
    let c = try RTCPCompound.parse(bytes[...])
    #expect(c.packets.count == 1)
    #expect(c.trailingRange == receiverReport.count..<bytes.count)
}

func rtcpError(_ p: [UInt8]) -> String? {
    do {
        _ = try RTCPCompound.parse(p[...])
        return nil
    } catch {
        return error.code
    }
}

@Test func rtcpMalformedLengths() {
    #expect(rtcpError(rtcp(pt: 201, body: be32(1), lengthOverride: 5)) == "rtcp.length")
    // SR claiming 3 report blocks with room for 1.
    var sr = senderReport
    sr[0] = 0x83
    #expect(rtcpError(sr) == "rtcp.report-count")
    #expect(rtcpError(rtcp(pt: 201, count: 1, body: be32(1))) == "rtcp.report-count")
    var v1 = senderReport
    v1[0] = 0x41
    #expect(rtcpError(v1) == "rtcp.version")
    #expect(rtcpError([0x80, 200]) == "rtcp.truncated")
}

@Test func stunRFC5769IPv4() throws {
    let m = try STUNMessage.parse(stunIPv4Response[...])
    #expect(m.messageClass == .successResponse)
    #expect(m.method == 1 && m.methodName == "Binding")
    #expect(m.length == 60)
    #expect(Array(stunIPv4Response[m.transactionIDRange]) == hex("b7e7a701 bc34d686 fa87dfae"))
    let attrs = try m.attributes(in: stunIPv4Response[...])
    #expect(attrs.map(\.type) == [0x8022, 0x0020, 0x0008, 0x8028])
    let a = try #require(m.attribute(STUNMessage.xorMappedAddress, in: stunIPv4Response[...]))
    #expect(m.xorAddress(a, in: stunIPv4Response[...])?.description == "192.0.2.1:32853")
}

@Test func stunRFC5769IPv6() throws {
    let m = try STUNMessage.parse(stunIPv6Response[...])
    let a = try #require(m.attribute(STUNMessage.xorMappedAddress, in: stunIPv6Response[...]))
    #expect(m.xorAddress(a, in: stunIPv6Response[...])?.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
}

@Test func stunTURNAttributes() throws {
    let m = try STUNMessage.parse(stunSendIndication[...])
    #expect(m.messageClass == .indication)
    #expect(m.methodName == "Send")
    let peer = try #require(m.attribute(STUNMessage.xorPeerAddress, in: stunSendIndication[...]))
    #expect(m.xorAddress(peer, in: stunSendIndication[...])?.description == "192.0.2.1:32853")
    let data = try #require(m.dataRange(in: stunSendIndication[...]))
    #expect(Array(stunSendIndication[data]) == Array("hello".utf8))
    // ChannelBind request with CHANNEL-NUMBER 0x4001 (RFC 8656 §18.1: number, then RFFU).
    let bind = hex("0009 0008 2112a442 000000000000000000000001  000c 0004 4001 0000")
    let b = try STUNMessage.parse(bind[...])
    #expect(b.methodName == "ChannelBind" && b.messageClass == .request)
    #expect(b.channelNumber(in: bind[...]) == 0x4001)
}

func stunError(_ p: [UInt8]) -> String? {
    do {
        let m = try STUNMessage.parse(p[...])
        _ = try m.attributes(in: p[...])
        return nil
    } catch {
        return error.code
    }
}

@Test func stunMalformed() {
    var longer = stunIPv4Response
    longer[3] = 0x40  // length 64, 4 more than present
    #expect(stunError(longer) == "stun.length")
    var odd = stunIPv4Response
    odd[3] = 0x3D
    #expect(stunError(odd) == "stun.length")
    var attr = stunIPv6Response
    attr[23] = 0x30  // XOR-MAPPED-ADDRESS claiming 48 bytes
    #expect(stunError(attr) == "stun.attribute-length")
    #expect(stunError(Array(stunIPv4Response.prefix(19))) == "stun.truncated")
}

@Test func turnChannelData() throws {
    let p = channelData(0x4ABC, rtp())
    let c = try TURNChannelData.parse(p[...])
    #expect(c.channel == 0x4ABC)
    #expect(c.length == 16)
    #expect(try RTPHeader.parse(p[c.payloadRange]).ssrc == 0xDEAD_BEEF)
    #expect(throws: ParseError.self) { try TURNChannelData.parse(channelData(0x4001, [1], lengthOverride: 2)[...]) }
    #expect(throws: ParseError.self) { try TURNChannelData.parse(channelData(0x3FFF, [1])[...]) }
}

@Test func dtlsRecordHeader() throws {
    let r = try DTLSRecord.parse(dtlsRecord(epoch: 0, seq: 0x0102_0304_0506, body: clientHelloStart)[...])
    #expect(r.contentType == 22 && r.contentTypeName == "handshake")
    #expect(r.version == 0xFEFD)
    #expect(r.epoch == 0)
    #expect(r.sequenceNumber == 0x0102_0304_0506)
    #expect(r.length == clientHelloStart.count)
    #expect(r.handshakeType == 1)
    // Epoch 1: encrypted handshake; the first byte is not a handshake type.
    #expect(try DTLSRecord.parse(dtlsRecord(epoch: 1, body: [0x99, 1, 2])[...]).handshakeType == nil)
    #expect(throws: ParseError.self) { try DTLSRecord.parse(dtlsRecord(body: [1], lengthOverride: 9)[...]) }
    #expect(throws: ParseError.self) { try DTLSRecord.parse(Array(dtlsRecord(body: [1]).prefix(12))[...]) }
}
