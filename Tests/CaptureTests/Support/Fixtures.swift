// Test support: the committed link-type fixture captures under Captures/linktypes, generated here.
import Capture

enum Fixtures {
    /// The package root, found from this file's path (Tests/CaptureTests/Support/Fixtures.swift).
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    static let directory = packageRoot + "/Captures/linktypes"
    static func path(_ name: String) -> String { directory + "/" + name }

    /// First frame's time: 2023-11-14 22:13:20 UTC; frames follow 20 ms apart.
    static let baseSeconds: UInt32 = 1_700_000_000

    /// Timestamp of frame `index` (0-based) of a fixture: 20 ms steps, plus `index`·111 ns in nanosecond files.
    static func nanoseconds(_ index: Int, nanosecond: Bool) -> UInt32 {
        UInt32(index) * 20_000_000 + (nanosecond ? UInt32(index) * 111 + 7 : 0)
    }

    static func pcap(_ framing: Framing, nanosecond: Bool = false) -> [UInt8] {
        var builder = PcapBuilder(linkType: framing.linkType.rawValue, nanosecond: nanosecond)
        for (i, datagram) in framing.datagrams.enumerated() {
            let nanos = nanoseconds(i, nanosecond: nanosecond)
            builder.record(seconds: baseSeconds, fraction: nanosecond ? nanos : nanos / 1000, data: framing.frame(datagram))
        }
        return builder.bytes
    }

    /// The multi-interface pcapng: Ethernet (10^-6 s), raw IP (10^-9 s) and SLL2 (10^-6 s, if_name "any"),
    /// frames taking turns between the three interfaces.
    static let multiInterfaceFramings: [Framing] = [.ethernet, .raw, .sll2]

    static func multiInterfaceFrames() -> [(interface: Int, framing: Framing, datagram: FixtureDatagram, nanos: UInt64)] {
        let all = fixtureCall(.v4) + fixtureCall(.v6)
        return all.enumerated().map { i, datagram in
            let interface = i % 3
            return (interface, multiInterfaceFramings[interface], datagram, UInt64(i) * 20_000_000 + UInt64(i) * 111 + 7)
        }
    }

    static func multiInterfacePcapng() -> [UInt8] {
        var b = PcapngBuilder()
        b.sectionHeader()
        b.interface(linkType: 1, name: "eth0")
        b.interface(linkType: 101, tsresol: 9, name: "tun0")
        b.interface(linkType: 276, name: "any")
        for f in multiInterfaceFrames() {
            let totalNanos = UInt64(baseSeconds) * 1_000_000_000 + f.nanos
            let units = f.interface == 1 ? totalNanos : totalNanos / 1000
            b.enhancedPacket(interface: UInt32(f.interface), units: units, data: f.framing.frame(f.datagram))
        }
        return b.bytes
    }

    /// Every committed fixture: file name and bytes.
    static func all() -> [(name: String, bytes: [UInt8])] {
        Framing.allCases.map { ($0.fileName, pcap($0)) }
            + [("ethernet-nanosecond.pcap", pcap(.ethernet, nanosecond: true)),
               ("multi-interface.pcapng", multiInterfacePcapng())]
    }
}
