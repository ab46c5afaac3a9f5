import Capture

/// The link layer a synthesized capture wraps its IP packets in.
public enum LinkFraming: String, Codable, Sendable, CaseIterable {
    case ethernet
    /// Ethernet with one IEEE 802.1Q tag.
    case vlan
    /// LINKTYPE_LINUX_SLL ("cooked" capture, Linux `any` device before libpcap 1.10).
    case sll
    /// LINKTYPE_LINUX_SLL2.
    case sll2
    /// LINKTYPE_RAW: the IP packet alone.
    case raw

    public var linkType: LinkType {
        switch self {
        case .ethernet, .vlan: .ethernet
        case .sll: .linuxSLL
        case .sll2: .linuxSLL2
        case .raw: .raw
        }
    }

    /// The link header for an IP packet; `outgoing` picks the SLL packet type and the MAC direction
    /// (the capturing host is the caller's side).
    public func header(ipv6: Bool, outgoing: Bool, vlanID: UInt16 = 100) -> [UInt8] {
        let etherType: UInt16 = ipv6 ? 0x86DD : 0x0800
        let local: [UInt8] = [0x02, 0x53, 0x59, 0x4E, 0x00, 0x0A]
        let gateway: [UInt8] = [0x02, 0x53, 0x59, 0x4E, 0x00, 0xFE]
        let (dst, src) = outgoing ? (gateway, local) : (local, gateway)
        switch self {
        case .ethernet:
            return dst + src + be16(etherType)
        case .vlan:
            // IEEE 802.1Q: TPID 0x8100, PCP 5 (voice), DEI 0, VID.
            return dst + src + be16(0x8100) + be16(5 << 13 | (vlanID & 0x0FFF)) + be16(etherType)
        case .sll:
            // Packet type 0 (to us) or 4 (outgoing), ARPHRD_ETHER, address length 6, source MAC padded to 8.
            return be16(outgoing ? 4 : 0) + be16(1) + be16(6) + src + [0, 0] + be16(etherType)
        case .sll2:
            // Protocol, reserved, interface index 2, ARPHRD_ETHER, packet type, address length, address.
            return be16(etherType) + be16(0) + be32(2) + be16(1) + [outgoing ? 4 : 0, 6] + src + [0, 0]
        case .raw:
            return []
        }
    }
}
