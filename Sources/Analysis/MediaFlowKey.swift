import Datagrams

/// One direction of a media flow: the 5-tuple (UDP, or TCP with RFC 4571 framing) and, when the media
/// travels inside TURN ChannelData (RFC 8656 §12.4), the channel number, since one relay 5-tuple carries
/// several channels.
public struct MediaFlowKey: Hashable, Sendable, CustomStringConvertible {
    public var source: Endpoint
    public var destination: Endpoint
    public var channel: UInt16?
    /// RTP/RTCP over TCP, each packet behind a 2-byte length (RFC 4571 §2).
    public var tcp: Bool

    public init(source: Endpoint, destination: Endpoint, channel: UInt16? = nil, tcp: Bool = false) {
        self.source = source
        self.destination = destination
        self.channel = channel
        self.tcp = tcp
    }

    /// The same flow in the other direction (the answerer's media goes back to the offerer's address).
    public var reversed: MediaFlowKey {
        MediaFlowKey(source: destination, destination: source, channel: channel, tcp: tcp)
    }

    public var description: String {
        let ch = channel.map { " channel 0x\(String($0, radix: 16))" } ?? ""
        return "\(source) → \(destination)\(ch)\(tcp ? " tcp" : "")"
    }
}

/// RTP or RTCP, as told apart per RFC 5761 §4 (second byte 192–223 is RTCP).
public enum MediaPacketKind: String, Hashable, Sendable {
    case rtp, rtcp
}
