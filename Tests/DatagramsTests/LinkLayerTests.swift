import Capture
import Testing
import Datagrams

/// IPv4/UDP 10.0.0.1:10000 → 10.0.0.2:20000 carrying an RTP packet; the payload of every link fixture.
let ipv4UDP = ipv4(payload: udp(10000, 20000, payload: rtp()))
/// The same over IPv6, 2001:db8::1 → 2001:db8::2.
let ipv6UDP = ipv6(next: 17, payload: udp(10000, 20000, src: v6Src, dst: v6Dst, payload: rtp()))

@Test func ethernetII() throws {
    let d = FrameDecoder().decode(frame(ethernet(payload: ipv4UDP)))
    let link = try #require(d.link)
    #expect(link.kind == .ethernet)
    #expect(link.destination?.description == "66:77:88:99:aa:bb")
    #expect(link.source?.description == "00:11:22:33:44:55")
    #expect(link.etherType == 0x0800)
    #expect(link.vlans.count == 0)
    #expect(d.source?.description == "10.0.0.1:10000")
    #expect(d.destination?.description == "10.0.0.2:20000")
    #expect(d.classification.kind == .rtp)
    #expect(d.diagnostics.isEmpty)
}

@Test func vlan8021Q() throws {
    // One C-tag, VID 100, then IPv6.
    let d = FrameDecoder().decode(frame(ethernet(type: 0x86DD, tags: [(0x8100, 100)], payload: ipv6UDP)))
    let link = try #require(d.link)
    #expect(link.vlans.ids == [100])
    #expect(link.etherType == 0x86DD)
    #expect(d.source?.description == "[2001:db8::1]:10000")
    #expect(d.classification.kind == .rtp)
}

@Test func qinqTags() throws {
    // S-tag 0x88A8 VID 200, then C-tag VID 300 (with priority 5 in the TCI), then the old 0x9100 form.
    let f = ethernet(tags: [(0x88A8, 200), (0x8100, 0xA000 | 300), (0x9100, 7)], payload: ipv4UDP)
    let link = try #require(FrameDecoder().decode(frame(f)).link)
    #expect(link.vlans.ids == [200, 300, 7])
    #expect(link.vlans.tpid(0) == 0x88A8)
    #expect(link.vlans.priority(1) == 5)
}

@Test func vlanDepthLimit() {
    let tags = [(tpid: Int, vid: Int)](repeating: (0x8100, 1), count: VLANTags.limit + 1)
    let d = FrameDecoder().decode(frame(ethernet(tags: tags, payload: ipv4UDP)))
    #expect(d.link == nil)
    #expect(d.diagnostics.map(\.code) == ["vlan.depth"])
}

@Test func linuxSLL() throws {
    let d = FrameDecoder().decode(frame(sll(packetType: 4, payload: ipv4UDP), link: .linuxSLL))
    let link = try #require(d.link)
    #expect(link.kind == .linuxSLL)
    #expect(link.sllPacketType == 4)
    #expect(link.sllAddressLength == 6)
    #expect(link.sllAddress == 0x0011_2233_4455_0000)
    #expect(d.classification.kind == .rtp)
}

@Test func linuxSLLWithVLAN() throws {
    // SLL whose protocol is 0x8100: the tag follows the cooked header.
    let payload = be16(42) + be16(0x0800) + ipv4UDP
    let d = FrameDecoder().decode(frame(sll(type: 0x8100, payload: payload), link: .linuxSLL))
    #expect(d.link?.vlans.ids == [42])
    #expect(d.classification.kind == .rtp)
}

@Test func linuxSLL2() throws {
    let d = FrameDecoder().decode(frame(sll2(packetType: 4, ifindex: 7, payload: ipv6UDP), link: .linuxSLL2))
    let link = try #require(d.link)
    #expect(link.kind == .linuxSLL2)
    #expect(link.sllInterfaceIndex == 7)
    #expect(link.sllPacketType == 4)
    #expect(link.etherType == 0x86DD)
    #expect(d.destination?.description == "[2001:db8::2]:20000")
}

@Test func rawIPByFirstNibble() {
    let d4 = FrameDecoder().decode(frame(ipv4UDP, link: .raw))
    #expect(d4.link?.kind == .rawIP)
    #expect(d4.source?.description == "10.0.0.1:10000")
    let d6 = FrameDecoder().decode(frame(ipv6UDP, link: .raw))
    #expect(d6.source?.description == "[2001:db8::1]:10000")
    let bad = FrameDecoder().decode(frame([0x50] + ipv4UDP.dropFirst(), link: .raw))
    #expect(bad.diagnostics.map(\.code) == ["raw.version"])
}

@Test func linkTypesIPv4AndIPv6() {
    #expect(FrameDecoder().decode(frame(ipv4UDP, link: .ipv4)).classification.kind == .rtp)
    #expect(FrameDecoder().decode(frame(ipv6UDP, link: .ipv6)).classification.kind == .rtp)
    // LINKTYPE_IPV4 with an IPv6 packet: the IPv4 parser refuses the version.
    #expect(FrameDecoder().decode(frame(ipv6UDP, link: .ipv4)).diagnostics.map(\.code) == ["ipv4.version"])
}

@Test(arguments: [
    ([0x02, 0, 0, 0], true, false),  // AF_INET written little-endian
    ([0, 0, 0, 0x02], true, false),  // AF_INET written big-endian
    ([0x18, 0, 0, 0], false, true),  // 24: NetBSD/OpenBSD AF_INET6
    ([0, 0, 0, 0x1C], false, true),  // 28: FreeBSD AF_INET6, big-endian
    ([0x1E, 0, 0, 0], false, true),  // 30: Darwin AF_INET6
] as [([UInt8], Bool, Bool)])
func bsdNullFamilyInEitherOrder(family: [UInt8], isV4: Bool, isV6: Bool) {
    let d = FrameDecoder().decode(frame(family + (isV4 ? ipv4UDP : ipv6UDP), link: .null))
    #expect(d.link?.kind == .bsdNull)
    #expect(d.link?.payload == (isV4 ? .ipv4 : .ipv6))
    #expect(d.classification.kind == .rtp)
}

@Test func bsdLoopIsNetworkOrder() {
    let d = FrameDecoder().decode(frame([0, 0, 0, 2] + ipv4UDP, link: .loop))
    #expect(d.link?.kind == .bsdLoop)
    #expect(d.classification.kind == .rtp)
    // Little-endian 2 is 0x02000000 in network order: not a known family.
    let le = FrameDecoder().decode(frame([2, 0, 0, 0] + ipv4UDP, link: .loop))
    #expect(le.link?.payload == .other(0x0200_0000))
    #expect(le.network == nil)
}

@Test func unsupportedLinkType() {
    let d = FrameDecoder().decode(frame(ipv4UDP, link: LinkType(rawValue: 147)))
    #expect(d.diagnostics.map(\.code) == ["link.unsupported"])
    #expect(d.diagnostics.first?.frame == 1)
}
