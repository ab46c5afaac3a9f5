/// A frame as read from a capture file: one record of a pcap, or one packet block of a pcapng.
///
/// `data` holds the captured bytes only (`data.count == capturedLength`); `originalLength`
/// is the length the frame had on the wire. Readers fill a caller-owned `Frame` in place so
/// that its buffer is reused from frame to frame (no allocation per frame once warm).
public struct Frame: Sendable {
    /// 1-based position of the frame in the file, as Wireshark numbers it.
    public var number: Int
    public var timestamp: Timestamp
    /// The frame's length on the wire; may exceed `data.count` when the capture was truncated by a snap length.
    public var originalLength: Int
    public var linkType: LinkType
    /// Index of the pcapng interface the frame was captured on (0 for classic pcap).
    public var interfaceID: Int
    /// The captured bytes.
    public var data: [UInt8]

    public var capturedLength: Int { data.count }

    public init(
        number: Int = 0, timestamp: Timestamp = Timestamp(seconds: 0, nanoseconds: 0), originalLength: Int = 0,
        linkType: LinkType = .ethernet, interfaceID: Int = 0, data: [UInt8] = []
    ) {
        self.number = number
        self.timestamp = timestamp
        self.originalLength = originalLength
        self.linkType = linkType
        self.interfaceID = interfaceID
        self.data = data
    }
}

/// A capture timestamp: seconds since the Unix epoch and nanoseconds within the second.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var seconds: Int64
    public var nanoseconds: UInt32

    public init(seconds: Int64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// Seconds as a floating-point value (for reports; never for ordering).
    public var timeInterval: Double { Double(seconds) + Double(nanoseconds) / 1e9 }
}

/// A link-layer header type (the LINKTYPE_ values of tcpdump.org, as pcap and pcapng store them).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the host's byte order.
    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IP, version from the first nibble.
    public static let raw = LinkType(rawValue: 101)
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    public var name: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .raw: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .linuxSLL2: "LINUX_SLL2"
        default: "LINKTYPE_\(rawValue)"
        }
    }

    public var description: String { name }
}
