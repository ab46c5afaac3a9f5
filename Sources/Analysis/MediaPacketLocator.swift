import Capture
import Datagrams

/// Where a candidate media packet sits in a frame: the flow it belongs to, its kind when the header
/// says so, and its byte range in `Frame.data`.
public struct MediaPacket: Sendable, Hashable {
    public var flow: MediaFlowKey
    /// RTP or RTCP by RFC 5761 §4; nil when the first bytes are not an RTP/RTCP header (MS-RTPME encrypts
    /// the header too, so its packets are found only through keys).
    public var kind: MediaPacketKind?
    /// The RTP/RTCP packet's bytes in `Frame.data`.
    public var range: Range<Int>
    /// Offset in `Frame.data` of the TURN ChannelData header, when the packet travels in one.
    public var channelDataOffset: Int?
    /// Offsets in `Frame.data` of the STUN header and of the DATA attribute's header, when the packet
    /// travels in a TURN Send or Data indication (RFC 8656 §10, §11).
    public var stunOffset: Int?
    public var stunDataAttributeOffset: Int?
    /// Offset in `Frame.data` of the RFC 4571 length field, when the packet travels over TCP.
    public var tcpLengthOffset: Int?

    /// How the packet is wrapped in its frame: what a rewriter must fix around a plaintext of another
    /// length. Small and without references, so that `DecryptEngine.PacketResult` carries it by value at
    /// no cost (the four optional offsets above take 64 bytes).
    public enum Encapsulation: Sendable, Hashable {
        /// Directly in a UDP datagram.
        case udp
        /// In a TURN ChannelData message whose header is at this offset (RFC 8656 §12.4).
        case channelData(header: Int)
        /// In the DATA attribute (the last one) of a TURN Send or Data indication (RFC 8656 §10, §11).
        case stunIndication(header: Int, dataAttribute: Int)
        /// Over TCP behind the RFC 4571 length field at this offset.
        case tcpFramed(lengthField: Int)
    }

    /// The packet's encapsulation, from the offsets above.
    public var encapsulation: Encapsulation {
        if let t = tcpLengthOffset { return .tcpFramed(lengthField: t) }
        if let s = stunOffset, let a = stunDataAttributeOffset { return .stunIndication(header: s, dataAttribute: a) }
        if let c = channelDataOffset { return .channelData(header: c) }
        return .udp
    }

    public init(
        flow: MediaFlowKey, kind: MediaPacketKind?, range: Range<Int>, channelDataOffset: Int? = nil,
        stunOffset: Int? = nil, stunDataAttributeOffset: Int? = nil, tcpLengthOffset: Int? = nil
    ) {
        self.flow = flow
        self.kind = kind
        self.range = range
        self.channelDataOffset = channelDataOffset
        self.stunOffset = stunOffset
        self.stunDataAttributeOffset = stunDataAttributeOffset
        self.tcpLengthOffset = tcpLengthOffset
    }
}

/// Finds the RTP/RTCP packet of a decoded frame, unwrapping TURN ChannelData (RFC 8656 §12.4) and the
/// DATA attribute of TURN Send and Data indications (RFC 8656 §10.1, §11.4) when it is the last attribute
/// (a FINGERPRINT after it would no longer match a rewritten value; such packets are left alone).
///
/// UDP datagrams whole in the frame are located (a datagram reassembled from IP fragments is not: the
/// decrypt pass rebuilds it as one whole packet and locates that, SRTPDump's `FragmentedMediaDecision`),
/// and RTP/RTCP over TCP when a segment holds exactly one RFC 4571 frame (`tcpFramed`).
public enum MediaPacketLocator {
    public static func locate(_ frame: Frame, _ decoded: DecodedFrame) -> MediaPacket? {
        // `decoded.udp` copies the UDP header alone; `transport` builds an enum around a header (twice per
        // packet, when both were asked), so it is read only for what is not UDP.
        guard let udp = decoded.udp else {
            if case .tcp(let tcp) = decoded.transport { return tcpFramed(frame, decoded, tcp) }
            return nil
        }
        guard decoded.payloadSource == .frame, !udp.truncated,
            let addresses = decoded.addresses, let range = decoded.payloadRange,
            range.lowerBound >= 0, range.upperBound <= frame.data.count, !range.isEmpty
        else { return nil }
        let src = Endpoint(addresses.source, udp.sourcePort)
        let dst = Endpoint(addresses.destination, udp.destinationPort)
        switch decoded.classification.kind {
        case .rtp:
            return MediaPacket(flow: MediaFlowKey(source: src, destination: dst), kind: .rtp, range: range)
        case .rtcp:
            return MediaPacket(flow: MediaFlowKey(source: src, destination: dst), kind: .rtcp, range: range)
        case .turnChannelData:
            guard let cd = try? TURNChannelData.parse(frame.data[range]), !cd.payloadRange.isEmpty else { return nil }
            let inner = frame.data[cd.payloadRange]
            let flow = MediaFlowKey(source: src, destination: dst, channel: cd.channel)
            let kind: MediaPacketKind? =
                switch PayloadClassifier.classify(inner, heuristics: true).kind {
                case .rtp: .rtp
                case .rtcp: .rtcp
                default: nil
                }
            return MediaPacket(flow: flow, kind: kind, range: cd.payloadRange, channelDataOffset: range.lowerBound)
        case .unknown:
            // Possibly MS-RTPME (whole packet encrypted): only worth anything if a key names the flow.
            return MediaPacket(flow: MediaFlowKey(source: src, destination: dst), kind: nil, range: range)
        case .stun:
            return stunIndication(frame.data, range, src: src, dst: dst)
        case .dtls, .sip:
            return nil
        }
    }

    /// RTP or RTCP over TCP, RFC 4571 §2: each packet behind a 16-bit length. A segment is taken when its
    /// payload is exactly one such frame (the length matches to the byte) whose body is an RTP or RTCP
    /// header (RFC 5761 §4); that two independent checks agree is the per-segment plausibility, and the
    /// engine's stream rules (signalling, a key that authenticates, or three agreeing packets) do the
    /// rest. Segments holding several frames, or part of one, are left alone here (what `dissect` shows);
    /// the decrypt pass follows such connections as byte streams (`TCPMediaFollower`, `RFC4571Framer`).
    static func tcpFramed(_ frame: Frame, _ decoded: DecodedFrame, _ tcp: TCPHeader) -> MediaPacket? {
        guard decoded.payloadSource == .frame, !tcp.truncated, let addresses = decoded.addresses,
            let range = decoded.payloadRange, range.lowerBound >= 0, range.upperBound <= frame.data.count,
            range.count >= 2 + 8
        else { return nil }
        let declared = Int(frame.data[range.lowerBound]) << 8 | Int(frame.data[range.lowerBound + 1])
        guard declared == range.count - 2 else { return nil }
        let body = (range.lowerBound + 2)..<range.upperBound
        // Well-known ports never get the RTP heuristic (as for UDP).
        let heuristics = tcp.sourcePort >= 1024 && tcp.destinationPort >= 1024
        let kind: MediaPacketKind
        switch PayloadClassifier.classify(frame.data[body], heuristics: heuristics).kind {
        case .rtp: kind = .rtp
        case .rtcp: kind = .rtcp
        default: return nil
        }
        let flow = MediaFlowKey(
            source: Endpoint(addresses.source, tcp.sourcePort),
            destination: Endpoint(addresses.destination, tcp.destinationPort), tcp: true)
        return MediaPacket(flow: flow, kind: kind, range: body, tcpLengthOffset: range.lowerBound)
    }

    /// The DATA of a Send (method 6) or Data (method 7) indication (RFC 8656 §11). Only a DATA that is the
    /// last attribute is taken: the rewriter then changes its length without moving other attributes.
    static func stunIndication(_ data: [UInt8], _ range: Range<Int>, src: Endpoint, dst: Endpoint) -> MediaPacket? {
        let bytes = data[range]
        guard let m = try? STUNMessage.parse(bytes), m.messageClass == .indication, m.method == 6 || m.method == 7,
            let last = (try? m.attributes(in: bytes))?.last, last.type == STUNMessage.data,
            !last.valueRange.isEmpty, last.valueRange.upperBound <= data.count
        else { return nil }
        let value = last.valueRange
        let kind: MediaPacketKind? =
            switch PayloadClassifier.classify(data[value], heuristics: true).kind {
            case .rtp: .rtp
            case .rtcp: .rtcp
            default: nil
            }
        return MediaPacket(
            flow: MediaFlowKey(source: src, destination: dst), kind: kind, range: value,
            stunOffset: range.lowerBound, stunDataAttributeOffset: value.lowerBound - 4)
    }
}
