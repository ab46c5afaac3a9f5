/// A TURN ChannelData message (RFC 8656 §12.4): a 2-byte channel number, a 2-byte length, and the
/// relayed application data (padded to 4 bytes over TCP, not necessarily over UDP).
public struct TURNChannelData: Hashable, Sendable {
    public var channel: UInt16
    public var length: Int
    /// Absolute range of the relayed data.
    public var payloadRange: Range<Int>

    /// RFC 8656 §12: channel numbers 0x4000 through 0x4FFF; others are not ChannelData.
    public static let channelRange: ClosedRange<UInt16> = 0x4000...0x4FFF

    /// Parses a ChannelData header at the start of `bytes`. Throws when the channel is outside
    /// 0x4000–0x4FFF or the length runs past the bytes.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> TURNChannelData {
        let s = bytes.startIndex
        guard let ch = bytes.be16(at: s), let len = bytes.be16(at: s + 2) else {
            throw .truncated("turn", field: "turn.channel", need: 4, have: bytes.count)
        }
        guard channelRange.contains(ch) else {
            throw ParseError(code: "turn.channel", field: "turn.channel", "channel 0x\(String(ch, radix: 16)) outside 0x4000–0x4FFF")
        }
        let length = Int(len)
        guard bytes.has(length, at: s + 4) else {
            throw ParseError(
                code: "turn.length", field: "turn.channel.length",
                "length \(length) runs past the \(bytes.count - 4) bytes after the header")
        }
        return TURNChannelData(channel: ch, length: length, payloadRange: (s + 4)..<(s + 4 + length))
    }
}
