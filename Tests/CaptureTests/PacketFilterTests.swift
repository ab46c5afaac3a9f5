// BPF filters compiled per link type and applied per frame.
import Testing
@testable import Capture

@Suite struct PacketFilterTests {
    @Test func badExpressionIsAClearError() {
        do {
            _ = try PacketFilter("udp port banana")
            Issue.record("a bad expression should not compile")
        } catch {
            #expect(error.code == .badFilter)
            #expect(error.message.contains("udp port banana"))
        }
    }

    /// Frame numbers (1-based) of the datagrams satisfying `keep`.
    static func numbers(_ datagrams: [FixtureDatagram], _ keep: (FixtureDatagram) -> Bool) -> [Int] {
        datagrams.indices.filter { keep(datagrams[$0]) }.map { $0 + 1 }
    }

    /// Each link-type fixture: "udp port 5060" keeps exactly its SIP frames, "dst port 50001" its RTCP,
    /// "ip6 protochain 17" its IPv6 frames — the same BPF text, compiled for each framing. BPF keeps
    /// libpcap's semantics: "udp" alone does not see past an IPv6 extension header, and tagged frames
    /// need "vlan and …" once per tag.
    @Test(arguments: Framing.allCases)
    func matchesPerLinkType(framing: Framing) throws {
        let path = Fixtures.path(framing.fileName)
        let datagrams = framing.datagrams
        let tags = framing == .vlan ? "vlan and " : framing == .qinq ? "vlan and vlan and " : ""
        let sip = try readAll(path, filter: PacketFilter(tags + "udp port 5060"))
        #expect(sip.frames.map(\.number) == Self.numbers(datagrams) { $0.kind == .sip })
        let rtcp = try readAll(path, filter: PacketFilter(tags + "udp and dst port 50001"))
        #expect(rtcp.frames.map(\.number) == Self.numbers(datagrams) { $0.kind == .rtcp })
        let v6 = try readAll(path, filter: PacketFilter(tags + "ip6 protochain 17"))
        #expect(v6.frames.map(\.number) == Self.numbers(datagrams) { $0.version == .v6 })
        let v6NoExtension = try readAll(path, filter: PacketFilter(tags + "ip6 and udp"))
        #expect(v6NoExtension.frames.map(\.number) == Self.numbers(datagrams) { $0.version == .v6 && !$0.extraHeader })
        let v4 = try readAll(path, filter: PacketFilter(tags + "ip and udp"))
        #expect(v4.frames.map(\.number) == Self.numbers(datagrams) { $0.version == .v4 })
        let none = try readAll(path, filter: PacketFilter("tcp"))
        #expect(none.frames.isEmpty)
        #expect(sip.diagnostics.isEmpty)
    }

    @Test func taggedFramesNeedVlanInTheExpression() throws {
        let r = try readAll(Fixtures.path("ethernet-8021q.pcap"), filter: PacketFilter("udp port 5060"))
        #expect(r.frames.isEmpty)
    }

    @Test func multiInterfaceFileFiltersEachInterfaceWithItsOwnLinkType() throws {
        let r = try readAll(Fixtures.path("multi-interface.pcapng"), filter: PacketFilter("udp dst port 50000"))
        let expected = Fixtures.multiInterfaceFrames().enumerated().filter {
            guard case .rtp = $0.element.datagram.kind else { return false }
            return !($0.element.datagram.version == .v6 && $0.element.datagram.extraHeader)
        }.map { $0.offset + 1 }
        #expect(r.frames.map(\.number) == expected)
        #expect(Set(r.frames.map(\.linkType)).count == 3)
    }

    @Test func expressionNotApplicableToALinkTypeMatchesNothingThere() throws {
        let filter = try PacketFilter("ether host 02:00:00:00:00:10")
        #expect(filter.supports(.ethernet))
        #expect(!filter.supports(.raw))
        let r = try readAll(Fixtures.path("raw-ip.pcap"), filter: filter)
        #expect(r.frames.isEmpty)
        #expect(r.diagnostics.map(\.code) == ["capture.filter-link-type"])
        let e = try readAll(Fixtures.path("ethernet.pcap"), filter: filter)
        #expect(e.frames.count == 10)
    }

    @Test func truncatedFrameIsFilteredOnItsCapturedBytes() throws {
        // An IPv4/UDP frame cut after the IP header: "udp port 5060" cannot see the ports.
        let datagram = fixtureCall(.v4)[0]
        var frame = Frame(originalLength: datagram.ipPacket.count, linkType: .raw, data: Array(datagram.ipPacket.prefix(20)))
        let filter = try PacketFilter("udp port 5060")
        #expect(!filter.matches(frame))
        frame.data = datagram.ipPacket
        #expect(filter.matches(frame))
    }
}

@Suite struct LoopbackFamilyFilterTests {
    /// A NULL frame captured on a big-endian host (family 00 00 00 1E = 30, IPv6) or little-endian
    /// one (02 00 00 00): libpcap on a dead handle only knows this host's values; the filter adapts them.
    @Test(arguments: [
        ([0, 0, 0, 30] as [UInt8], IPVersion.v6), ([30, 0, 0, 0], .v6), ([28, 0, 0, 0], .v6),
        ([0, 0, 0, 2], .v4), ([2, 0, 0, 0], .v4),
    ])
    func nullFamiliesInEitherByteOrder(family: [UInt8], version: IPVersion) throws {
        let datagram = fixtureCall(version)[0]
        let frame = Frame(originalLength: datagram.ipPacket.count + 4, linkType: .null, data: family + datagram.ipPacket)
        let filter = try PacketFilter(version == .v6 ? "ip6 and udp port 5060" : "ip and udp port 5060")
        #expect(filter.matches(frame))
        let other = try PacketFilter(version == .v6 ? "ip" : "ip6")
        #expect(!other.matches(frame))
        // The frame itself is not changed.
        #expect(Array(frame.data.prefix(4)) == family)
    }
}
