// Test support: wraps an IP packet in the link-layer header of each link type the fixtures cover.
import Capture

enum Framing: CaseIterable {
    case ethernet, vlan, qinq, sll, sll2, raw, ipv4, ipv6, null, loop

    var linkType: LinkType {
        switch self {
        case .ethernet, .vlan, .qinq: .ethernet
        case .sll: .linuxSLL
        case .sll2: .linuxSLL2
        case .raw: .raw
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        case .null: .null
        case .loop: .loop
        }
    }

    /// IP versions this framing can carry (LINKTYPE_IPV4/IPV6 carry one each).
    var versions: [IPVersion] {
        switch self {
        case .ipv4: [.v4]
        case .ipv6: [.v6]
        default: [.v4, .v6]
        }
    }

    /// Bytes of link header before the IP packet.
    func header(for version: IPVersion) -> [UInt8] {
        let etherType: UInt16 = version == .v4 ? 0x0800 : 0x86DD
        let macs: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x10]
        switch self {
        case .ethernet:
            return macs + be16(etherType)
        case .vlan:
            // IEEE 802.1Q tag: TPID 0x8100, PCP 0, VID 100.
            return macs + be16(0x8100) + be16(100) + be16(etherType)
        case .qinq:
            // IEEE 802.1ad service tag (TPID 0x88A8, VID 200) outside a customer tag (0x8100, VID 100).
            return macs + be16(0x88A8) + be16(200) + be16(0x8100) + be16(100) + be16(etherType)
        case .sll:
            // LINKTYPE_LINUX_SLL: packet type 4 (outgoing), ARPHRD_ETHER, address length 6, address padded to 8, protocol.
            return be16(4) + be16(1) + be16(6) + [0x02, 0, 0, 0, 0, 0x10, 0, 0] + be16(etherType)
        case .sll2:
            // LINKTYPE_LINUX_SLL2: protocol, reserved, interface index 2, ARPHRD_ETHER, packet type 4, address length 6, address.
            return be16(etherType) + be16(0) + be32(2) + be16(1) + [4, 6] + [0x02, 0, 0, 0, 0, 0x10, 0, 0]
        case .raw, .ipv4, .ipv6:
            return []
        case .null:
            // LINKTYPE_NULL: address family in the capturing host's byte order (little-endian here);
            // AF_INET 2, and 30 for IPv6 (macOS, where most DLT_NULL captures come from).
            let family: UInt32 = version == .v4 ? 2 : 30
            return [UInt8(family), 0, 0, 0]
        case .loop:
            // LINKTYPE_LOOP: address family in network byte order; AF_INET 2, AF_INET6 24 (OpenBSD).
            return be32(version == .v4 ? 2 : 24)
        }
    }

    func frame(_ datagram: FixtureDatagram) -> [UInt8] { header(for: datagram.version) + datagram.ipPacket }

    /// Fixture file name under Captures/linktypes.
    var fileName: String {
        switch self {
        case .ethernet: "ethernet.pcap"
        case .vlan: "ethernet-8021q.pcap"
        case .qinq: "ethernet-qinq.pcap"
        case .sll: "linux-sll.pcap"
        case .sll2: "linux-sll2.pcap"
        case .raw: "raw-ip.pcap"
        case .ipv4: "ipv4.pcap"
        case .ipv6: "ipv6.pcap"
        case .null: "null.pcap"
        case .loop: "loop.pcap"
        }
    }

    /// The datagrams of this framing's fixture, in frame order.
    var datagrams: [FixtureDatagram] { versions.flatMap { fixtureCall($0) } }
}
