/// The file format of a capture, which a writer reproduces.
public enum CaptureFormat: String, Hashable, Sendable {
    /// Classic libpcap format: one link type, one snap length, micro- or nanosecond timestamps.
    case pcap
    /// pcapng (draft-ietf-opsawg-pcapng): sections, several interfaces, per-interface time resolution.
    case pcapng
}

/// How finely an interface's timestamps are stored, as the pcapng `if_tsresol` option encodes it
/// (draft-ietf-opsawg-pcapng §4.2): the low 7 bits are an exponent, the top bit says whether the
/// base is 2 (set) or 10 (clear). Classic pcap has 10^-6 (magic a1b2c3d4) or 10^-9 (a1b23c4d).
public struct TimestampResolution: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let microseconds = TimestampResolution(rawValue: 6)
    public static let nanoseconds = TimestampResolution(rawValue: 9)

    public var isBinary: Bool { rawValue & 0x80 != 0 }
    public var exponent: Int { Int(rawValue & 0x7F) }

    /// Whether this resolution can be converted to and from nanoseconds with 64-bit arithmetic
    /// (10^-0 … 10^-19, 2^-0 … 2^-63).
    public var isSupported: Bool { isBinary ? exponent <= 63 : exponent <= 19 }

    public var description: String { isBinary ? "2^-\(exponent) s" : "10^-\(exponent) s" }
}

/// One capture interface: the single implicit interface of a classic pcap, or one pcapng
/// Interface Description Block (draft-ietf-opsawg-pcapng §4.2).
public struct CaptureInterface: Hashable, Sendable {
    public var linkType: LinkType
    /// The snap length; 0 in pcapng means "no limit".
    public var snapLength: UInt32
    public var timestampResolution: TimestampResolution
    /// `if_tsoffset`: seconds added to every timestamp of this interface.
    public var timestampOffset: Int64
    /// `if_name`, `if_description` when present.
    public var name: String?
    public var interfaceDescription: String?

    public init(
        linkType: LinkType, snapLength: UInt32 = 262_144,
        timestampResolution: TimestampResolution = .microseconds, timestampOffset: Int64 = 0,
        name: String? = nil, interfaceDescription: String? = nil
    ) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.timestampResolution = timestampResolution
        self.timestampOffset = timestampOffset
        self.name = name
        self.interfaceDescription = interfaceDescription
    }
}

/// A pcapng block the reader does not interpret (name resolution, statistics, decryption secrets,
/// custom blocks, …), kept so that a writer can copy it through.
public struct PcapngBlock: Hashable, Sendable {
    public var type: UInt32
    /// The block body: everything between the leading length and the trailing length, in the byte
    /// order of the section it came from.
    public var body: [UInt8]
    public var bigEndian: Bool
    /// Frames delivered before this block was met; it belongs before frame `framesBefore + 1`.
    public var framesBefore: Int
    /// Index of the section (0-based) the block was in.
    public var section: Int

    public init(type: UInt32, body: [UInt8], bigEndian: Bool, framesBefore: Int, section: Int) {
        self.type = type
        self.body = body
        self.bigEndian = bigEndian
        self.framesBefore = framesBefore
        self.section = section
    }
}
