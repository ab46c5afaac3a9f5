// Test support: writes pcap and pcapng files byte by byte, independently of the Capture module's
// writer, so that reader tests do not depend on the code they check. Layouts follow
// draft-ietf-opsawg-pcap §4–5 and draft-ietf-opsawg-pcapng §4.

/// Classic pcap: 24-byte header, then 16-byte record headers, little-endian.
struct PcapBuilder {
    var nanosecond = false
    var snapLength: UInt32 = 262_144
    var linkType: UInt32
    private(set) var bytes: [UInt8] = []

    init(linkType: UInt32, nanosecond: Bool = false, snapLength: UInt32 = 262_144) {
        self.linkType = linkType
        self.nanosecond = nanosecond
        self.snapLength = snapLength
        bytes = le32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snapLength) + le32(linkType)
    }

    /// `fraction` is microseconds or nanoseconds as the file's magic says.
    mutating func record(seconds: UInt32, fraction: UInt32, data: [UInt8], originalLength: Int? = nil, capturedLength: Int? = nil) {
        bytes += le32(seconds) + le32(fraction) + le32(UInt32(capturedLength ?? data.count)) + le32(UInt32(originalLength ?? data.count)) + data
    }
}

func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }

/// pcapng in either byte order. Each method appends one block.
struct PcapngBuilder {
    var bigEndian: Bool
    private(set) var bytes: [UInt8] = []

    init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    func u16(_ v: UInt16) -> [UInt8] { bigEndian ? be16(v) : le16(v) }
    func u32(_ v: UInt32) -> [UInt8] { bigEndian ? be32(v) : le32(v) }

    func option(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
        var o = u16(code) + u16(UInt16(value.count)) + value
        while o.count % 4 != 0 { o.append(0) }
        return o
    }

    /// A block with a correct length unless `length` overrides it (for malformed-input tests).
    mutating func block(_ type: UInt32, _ body: [UInt8], length: UInt32? = nil, trailing: UInt32? = nil) {
        var padded = body
        while padded.count % 4 != 0 { padded.append(0) }
        let total = UInt32(12 + padded.count)
        bytes += u32(type) + u32(length ?? total) + padded + u32(trailing ?? length ?? total)
    }

    mutating func sectionHeader() {
        block(0x0A0D_0D0A, u32(0x1A2B_3C4D) + u16(1) + u16(0) + [UInt8](repeating: 0xFF, count: 8) + u32(0))
    }

    mutating func interface(linkType: UInt16, snapLength: UInt32 = 262_144, tsresol: UInt8? = nil, tsoffset: Int64? = nil, name: String? = nil) {
        var options: [UInt8] = []
        if let name { options += option(2, Array(name.utf8)) }
        if let tsresol { options += option(9, [tsresol]) }
        if let tsoffset {
            let v = UInt64(bitPattern: tsoffset)
            let raw = bigEndian ? be32(UInt32(v >> 32)) + be32(UInt32(v & 0xFFFF_FFFF)) : le32(UInt32(v & 0xFFFF_FFFF)) + le32(UInt32(v >> 32))
            options += option(14, raw)
        }
        if !options.isEmpty { options += u32(0) }
        block(1, u16(linkType) + u16(0) + u32(snapLength) + options)
    }

    /// Enhanced Packet Block; `units` counts the interface's `if_tsresol` units since the epoch.
    mutating func enhancedPacket(interface: UInt32, units: UInt64, data: [UInt8], originalLength: Int? = nil, capturedLength: Int? = nil) {
        block(6, u32(interface) + u32(UInt32(units >> 32)) + u32(UInt32(units & 0xFFFF_FFFF))
            + u32(UInt32(capturedLength ?? data.count)) + u32(UInt32(originalLength ?? data.count)) + data)
    }

    mutating func simplePacket(data: [UInt8], originalLength: Int? = nil) {
        block(3, u32(UInt32(originalLength ?? data.count)) + data)
    }
}
