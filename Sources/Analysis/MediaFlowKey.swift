import Datagrams

/// One direction of a media flow: the UDP 5-tuple (UDP implied) and, when the media travels inside TURN
/// ChannelData (RFC 8656 §12.4), the channel number, since one relay 5-tuple carries several channels.
public struct MediaFlowKey: Hashable, Sendable, CustomStringConvertible {
    public var source: Endpoint
    public var destination: Endpoint
    public var channel: UInt16?

    public init(source: Endpoint, destination: Endpoint, channel: UInt16? = nil) {
        self.source = source
        self.destination = destination
        self.channel = channel
    }

    /// The same flow in the other direction (the answerer's media goes back to the offerer's address).
    public var reversed: MediaFlowKey { MediaFlowKey(source: destination, destination: source, channel: channel) }

    public var description: String {
        let ch = channel.map { " channel 0x\(String($0, radix: 16))" } ?? ""
        return "\(source) → \(destination)\(ch)"
    }
}

/// RTP or RTCP, as told apart per RFC 5761 §4 (second byte 192–223 is RTCP).
public enum MediaPacketKind: String, Hashable, Sendable {
    case rtp, rtcp
}
