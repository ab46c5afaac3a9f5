import Capture

/// Everything the `FrameDecoder` learned from one frame.
///
/// Layers hold offsets, not copies. `link` and `network` offsets index `Frame.data`. `transport` and
/// `payloadRange` index `Frame.data` too, unless `payloadSource` is `.reassembled`: then this frame
/// completed a fragmented datagram and they index `reassembled.bytes` (use `payload(in:)` to get the
/// bytes without caring which).
public struct DecodedFrame: Sendable {
    public enum Network: Hashable, Sendable {
        case ipv4(IPv4Header)
        case ipv6(IPv6Header)
    }

    public enum Transport: Hashable, Sendable {
        case udp(UDPHeader)
        case tcp(TCPHeader)
        /// An IP protocol this module does not decode (ICMP, ESP, SCTP, ...).
        case other(UInt8)
    }

    public enum PayloadSource: Hashable, Sendable {
        case frame, reassembled
    }

    public var frameNumber: Int
    public var link: LinkLayer?
    public var network: Network?
    public var transport: Transport?
    /// The transport payload: the UDP data, or the TCP segment's data.
    public var payloadRange: Range<Int>?
    public var payloadSource: PayloadSource = .frame
    /// The class of the UDP payload, or of the start of the TCP segment (SIP, STUN over TCP).
    public var classification: Classification = .unknown
    /// The datagram this frame completed, when it was the last missing fragment.
    public var reassembled: ReassembledDatagram?
    /// TCP bytes (and gaps and ends) that became deliverable in stream order with this frame.
    public var tcpEvents: [TCPStreamEvent] = []
    /// Problems found in this frame, and expiry of fragments held from earlier frames.
    public var diagnostics: [Diagnostic] = []
    /// Some layer was cut short by the capture's snap length.
    public var truncated = false
    /// An IP fragment was held for reassembly (the transport layer comes with the completing frame).
    public var heldFragment = false

    public init(frameNumber: Int) { self.frameNumber = frameNumber }

    /// The transport payload's bytes, from the frame or from the reassembled datagram.
    public func payload(in frame: Frame) -> ArraySlice<UInt8>? {
        guard let r = payloadRange else { return nil }
        switch payloadSource {
        case .frame:
            guard r.lowerBound >= 0, r.upperBound <= frame.data.count else { return nil }
            return frame.data[r]
        case .reassembled:
            guard let bytes = reassembled?.bytes, r.lowerBound >= 0, r.upperBound <= bytes.count else { return nil }
            return bytes[r]
        }
    }

    /// Source and destination addresses of the IP layer.
    public var addresses: (source: IPAddress, destination: IPAddress)? {
        switch network {
        case .ipv4(let h): (h.source, h.destination)
        case .ipv6(let h): (h.source, h.destination)
        case nil: nil
        }
    }

    /// The source endpoint (address and UDP/TCP port).
    public var source: Endpoint? {
        guard let a = addresses else { return nil }
        switch transport {
        case .udp(let u): return Endpoint(a.source, u.sourcePort)
        case .tcp(let t): return Endpoint(a.source, t.sourcePort)
        default: return nil
        }
    }

    /// The destination endpoint (address and UDP/TCP port).
    public var destination: Endpoint? {
        guard let a = addresses else { return nil }
        switch transport {
        case .udp(let u): return Endpoint(a.destination, u.destinationPort)
        case .tcp(let t): return Endpoint(a.destination, t.destinationPort)
        default: return nil
        }
    }
}
