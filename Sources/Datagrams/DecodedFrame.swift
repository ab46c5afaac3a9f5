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

    // The layers are stored flat, each in a slot of its own that the decoder writes field by field in
    // place; `present` says which slots hold this frame's layers. The public optionals below are views of
    // these slots. Why: the optionals-of-enums form (a `LinkLayer?`, a `Network?` holding a ~130-byte
    // `IPv4Header`) made every frame build each header, copy it into the enum and copy the enum into the
    // frame (memmove was the largest single cost of the classify-only pass, Docs/PERFORMANCE.md), and a
    // reset rewrite all of them; now a reset is one byte and a header is written once, where it stays.
    var linkSlot = LinkLayer(kind: .ethernet, payload: .other(0), payloadOffset: 0)
    var ipv4Slot = IPv4Header.empty
    var ipv6Slot = IPv6Header.empty
    var udpSlot = UDPHeader.empty
    var tcpSlot = TCPHeader.empty
    var otherProtocol: UInt8 = 0
    var payloadSlot: Range<Int> = 0..<0
    var present = Layers()

    /// Which slots hold a layer of the current frame.
    struct Layers: OptionSet, Sendable {
        var rawValue: UInt8
        static let link = Layers(rawValue: 1)
        static let ipv4 = Layers(rawValue: 2)
        static let ipv6 = Layers(rawValue: 4)
        static let udp = Layers(rawValue: 8)
        static let tcp = Layers(rawValue: 16)
        static let otherTransport = Layers(rawValue: 32)
        static let payload = Layers(rawValue: 64)
        /// `reassembledSlot` holds a datagram (cleared by the next reset).
        static let reassembled = Layers(rawValue: 128)
        static let network: Layers = [.ipv4, .ipv6]
        static let transport: Layers = [.udp, .tcp, .otherTransport]
    }

    public var link: LinkLayer? {
        get { present.contains(.link) ? linkSlot : nil }
        set {
            if let v = newValue {
                linkSlot = v
                present.insert(.link)
            } else {
                present.remove(.link)
            }
        }
    }

    public var network: Network? {
        get {
            if present.contains(.ipv4) { return .ipv4(ipv4Slot) }
            if present.contains(.ipv6) { return .ipv6(ipv6Slot) }
            return nil
        }
        set {
            present.subtract(.network)
            switch newValue {
            case .ipv4(let h)?:
                ipv4Slot = h
                present.insert(.ipv4)
            case .ipv6(let h)?:
                ipv6Slot = h
                present.insert(.ipv6)
            case nil: break
            }
        }
    }

    public var transport: Transport? {
        get {
            if present.contains(.udp) { return .udp(udpSlot) }
            if present.contains(.tcp) { return .tcp(tcpSlot) }
            if present.contains(.otherTransport) { return .other(otherProtocol) }
            return nil
        }
        set {
            present.subtract(.transport)
            switch newValue {
            case .udp(let h)?:
                udpSlot = h
                present.insert(.udp)
            case .tcp(let h)?:
                tcpSlot = h
                present.insert(.tcp)
            case .other(let p)?:
                otherProtocol = p
                present.insert(.otherTransport)
            case nil: break
            }
        }
    }

    /// The IPv4 header, without building the `Network` enum (nil when the network layer is not IPv4).
    public var ipv4: IPv4Header? { present.contains(.ipv4) ? ipv4Slot : nil }
    /// The UDP header, without building the `Transport` enum (nil when the transport is not UDP).
    public var udp: UDPHeader? { present.contains(.udp) ? udpSlot : nil }
    /// The TCP header, without building the `Transport` enum (nil when the transport is not TCP): a test of
    /// one bit for the UDP frames that the decrypt pass asks about every TCP segment.
    public var tcp: TCPHeader? { present.contains(.tcp) ? tcpSlot : nil }
    /// Whether the transport is TCP (the test of `tcp` without the copy of the header).
    @inline(__always)
    public var isTCP: Bool { present.contains(.tcp) }

    /// The transport payload: the UDP data, or the TCP segment's data.
    public var payloadRange: Range<Int>? {
        get { present.contains(.payload) ? payloadSlot : nil }
        set {
            if let r = newValue {
                payloadSlot = r
                present.insert(.payload)
            } else {
                present.remove(.payload)
            }
        }
    }
    public var payloadSource: PayloadSource = .frame
    /// The class of the UDP payload, or of the start of the TCP segment (SIP, STUN over TCP).
    public var classification: Classification = .unknown
    /// The datagram this frame completed, when it was the last missing fragment.
    public var reassembled: ReassembledDatagram? {
        get { present.contains(.reassembled) ? reassembledSlot : nil }
        set {
            reassembledSlot = newValue
            if newValue != nil { present.insert(.reassembled) } else { present.remove(.reassembled) }
        }
    }
    // Behind a presence bit: testing an optional of a non-trivial struct for nil costs an outlined copy,
    // and the reset runs on every frame.
    var reassembledSlot: ReassembledDatagram?
    /// TCP bytes (and gaps and ends) that became deliverable in stream order with this frame.
    public var tcpEvents: [TCPStreamEvent] = []
    /// Problems found in this frame, and expiry of fragments held from earlier frames.
    public var diagnostics: [Diagnostic] = []
    /// Some layer was cut short by the capture's snap length.
    public var truncated = false
    /// An IP fragment was held for reassembly (the transport layer comes with the completing frame).
    public var heldFragment = false

    public init(frameNumber: Int) { self.frameNumber = frameNumber }

    /// Clears every field for a new frame, keeping the arrays' storage. The slots keep their old bytes:
    /// `present` hides them.
    @inline(__always)
    mutating func reset(frameNumber: Int) {
        self.frameNumber = frameNumber
        if present.contains(.reassembled) { reassembledSlot = nil }
        present = []
        payloadSource = .frame
        classification = .unknown
        if !tcpEvents.isEmpty { tcpEvents.removeAll(keepingCapacity: true) }
        if !diagnostics.isEmpty { diagnostics.removeAll(keepingCapacity: true) }
        truncated = false
        heldFragment = false
    }

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
        if present.contains(.ipv4) { return (ipv4Slot.source, ipv4Slot.destination) }
        if present.contains(.ipv6) { return (ipv6Slot.source, ipv6Slot.destination) }
        return nil
    }

    /// The source endpoint (address and UDP/TCP port).
    public var source: Endpoint? {
        guard let a = addresses else { return nil }
        if present.contains(.udp) { return Endpoint(a.source, udpSlot.sourcePort) }
        if present.contains(.tcp) { return Endpoint(a.source, tcpSlot.sourcePort) }
        return nil
    }

    /// The destination endpoint (address and UDP/TCP port).
    public var destination: Endpoint? {
        guard let a = addresses else { return nil }
        if present.contains(.udp) { return Endpoint(a.destination, udpSlot.destinationPort) }
        if present.contains(.tcp) { return Endpoint(a.destination, tcpSlot.destinationPort) }
        return nil
    }
}
