/// Where the parts of an RTP header lie in a packet (RFC 3550 §5.1, §5.3.1), validated against the
/// packet's length so that every later access stays inside it.
struct RTPHeaderLayout: Equatable {
    var csrcCount: Int
    var hasExtension: Bool
    var hasPadding: Bool
    var sequenceNumber: UInt16
    var ssrc: UInt32
    /// Offset of the 4-byte extension header (profile, length), when X = 1.
    var extensionOffset: Int
    /// Length of the extension body in bytes (4 × the length field).
    var extensionBodyLength: Int
    /// Length of the whole header: fixed part, CSRCs and extension.
    var headerLength: Int

    /// Offset of the CSRC list.
    static let fixedLength = 12

    /// nil when the bytes cannot be an RTP header: fewer than 12 bytes, version ≠ 2, or a CSRC list or
    /// extension that runs past `length`.
    init?(_ p: UnsafeRawBufferPointer, length: Int) {
        guard length >= 12, length <= p.count, p[0] >> 6 == 2 else { return nil }
        csrcCount = Int(p[0] & 0x0F)
        hasExtension = p[0] & 0x10 != 0
        hasPadding = p[0] & 0x20 != 0
        sequenceNumber = p.be16(2)
        ssrc = p.be32(8)
        var end = 12 + 4 * csrcCount
        guard end <= length else { return nil }
        extensionOffset = end
        extensionBodyLength = 0
        if hasExtension {
            guard end + 4 <= length else { return nil }
            extensionBodyLength = 4 * Int(p.be16(end + 2))
            end += 4 + extensionBodyLength
            guard end <= length else { return nil }
        }
        headerLength = end
    }

    /// The extension profile (`0xBEDE`, `0x100X`, `0xC0DE`, `0xC2DE`, …), when X = 1.
    func extensionProfile(_ p: UnsafeRawBufferPointer) -> UInt16? {
        hasExtension ? p.be16(extensionOffset) : nil
    }
}
