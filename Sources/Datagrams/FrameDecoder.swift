import Capture

/// Decodes frames one at a time, through link, IP (with fragment reassembly), UDP/TCP (with stream
/// reassembly) to a classified payload.
///
/// A `final class` because it owns the state that spans frames: fragments waiting for the rest of their
/// datagram and TCP directions waiting for missing segments. Feed frames in capture order with
/// `decode(_:)`, then call `finish()` once at the end to report what never completed.
///
/// Hostile input never stops it: every problem becomes a `Diagnostic` in the returned frame and the
/// next call goes on. The common UDP path allocates nothing on the heap.
///
/// ```swift
/// let decoder = FrameDecoder()
/// for frame in frames {
///     let d = decoder.decode(frame)
///     if d.classification.kind == .rtp, let p = d.payload(in: frame) { ... }
/// }
/// let leftovers = decoder.finish()
/// ```
public final class FrameDecoder {
    public struct Options: Hashable, Sendable {
        /// Verify UDP checksums (off by default: captures taken on the sending host often carry
        /// offloaded, not-yet-computed checksums, and verifying costs a pass over every payload).
        public var verifyUDPChecksums = false
        /// Let RTP/RTCP be recognised by header heuristics (on ports at or above 1024).
        public var heuristics = true
        public var fragmentLimits = FragmentLimits()
        public var tcpLimits = TCPStreamLimits()
        public init() {}
    }

    public let options: Options
    public private(set) var fragments: FragmentReassembler
    public private(set) var tcpStreams: TCPStreamReassembler

    public init(options: Options = Options()) {
        self.options = options
        fragments = FragmentReassembler(limits: options.fragmentLimits)
        tcpStreams = TCPStreamReassembler(limits: options.tcpLimits)
    }

    /// Decodes one frame. Frames must come in capture order (fragment expiry uses their timestamps).
    public func decode(_ frame: Frame) -> DecodedFrame {
        var out = DecodedFrame(frameNumber: frame.number)
        fragments.expire(now: frame.timestamp, diagnostics: &out.diagnostics)
        let data = frame.data[...]
        let uncaptured = max(0, frame.originalLength - frame.data.count)
        if uncaptured > 0 { out.truncated = true }
        let link: LinkLayer
        do {
            link = try LinkLayer.parse(data, linkType: frame.linkType)
        } catch {
            out.diagnostics.append(error.diagnostic(frame: frame.number))
            return out
        }
        out.link = link
        let ipBytes = data[link.payloadOffset...]
        switch link.payload {
        case .ipv4: decodeIPv4(ipBytes, uncaptured: uncaptured, frame: frame, into: &out)
        case .ipv6: decodeIPv6(ipBytes, uncaptured: uncaptured, frame: frame, into: &out)
        case .other: break
        }
        return out
    }

    /// Reports fragments and TCP holes still open at the end of the capture, and delivers the TCP
    /// bytes buffered behind those holes.
    public func finish() -> (tcpEvents: [TCPStreamEvent], diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var events: [TCPStreamEvent] = []
        fragments.flush(diagnostics: &diagnostics)
        tcpStreams.flush(events: &events, diagnostics: &diagnostics)
        return (events, diagnostics)
    }

    private func decodeIPv4(_ bytes: ArraySlice<UInt8>, uncaptured: Int, frame: Frame, into out: inout DecodedFrame) {
        let ip: IPv4Header
        do {
            ip = try IPv4Header.parse(bytes, uncapturedBytes: uncaptured)
        } catch {
            out.diagnostics.append(error.diagnostic(frame: frame.number))
            return
        }
        out.network = .ipv4(ip)
        if ip.truncated { out.truncated = true }
        if !ip.checksumValid {
            out.diagnostics.append(
                Diagnostic(
                    .warning, code: "ipv4.checksum", frame: frame.number, field: "ip.checksum",
                    "header checksum 0x\(String(ip.checksum, radix: 16)) does not verify"))
        }
        if ip.isFragment {
            let key = FragmentKey(
                source: ip.source, destination: ip.destination, protocolNumber: ip.protocolNumber,
                identification: UInt32(ip.identification))
            addFragment(
                key: key, offset: ip.fragmentOffset, more: ip.moreFragments, protocolNumber: ip.protocolNumber,
                data: bytes[ip.payloadRange], truncated: ip.truncated, frame: frame, into: &out)
            if let r = out.reassembled {
                let payload = r.bytes[...]
                decodeTransport(
                    r.protocolNumber, payload, declaredLength: payload.count, source: ip.source,
                    destination: ip.destination, frame: frame.number, into: &out)
                out.payloadSource = .reassembled
            }
            return
        }
        decodeTransport(
            ip.protocolNumber, bytes[ip.payloadRange], declaredLength: ip.declaredPayloadLength, source: ip.source,
            destination: ip.destination, frame: frame.number, into: &out)
    }

    private func decodeIPv6(_ bytes: ArraySlice<UInt8>, uncaptured: Int, frame: Frame, into out: inout DecodedFrame) {
        var ip: IPv6Header
        do {
            ip = try IPv6Header.parse(bytes, uncapturedBytes: uncaptured)
        } catch {
            out.diagnostics.append(error.diagnostic(frame: frame.number))
            return
        }
        out.network = .ipv6(ip)
        if ip.truncated { out.truncated = true }
        if let f = ip.fragment {
            let key = FragmentKey(
                source: ip.source, destination: ip.destination, protocolNumber: 0, identification: f.identification)
            addFragment(
                key: key, offset: f.offset, more: f.moreFragments, protocolNumber: f.offset == 0 ? f.nextHeader : nil,
                data: bytes[ip.payloadRange], truncated: ip.truncated, frame: frame, into: &out)
            if let r = out.reassembled {
                // The fragmentable part may begin with more extension headers (RFC 8200 §4.5).
                let payload = r.bytes[...]
                let walk: (next: UInt8, offset: Int)
                do {
                    walk = try IPv6Header.walkExtensions(payload, from: 0, next: r.protocolNumber, header: &ip)
                } catch {
                    out.diagnostics.append(error.diagnostic(frame: frame.number))
                    return
                }
                ip.upperProtocol = walk.next
                out.network = .ipv6(ip)
                let rest = payload[walk.offset...]
                decodeTransport(
                    walk.next, rest, declaredLength: rest.count, source: ip.source, destination: ip.destination,
                    frame: frame.number, into: &out)
                out.payloadSource = .reassembled
            }
            return
        }
        decodeTransport(
            ip.upperProtocol, bytes[ip.payloadRange], declaredLength: ip.declaredPayloadLength, source: ip.source,
            destination: ip.destination, frame: frame.number, into: &out)
    }

    private func addFragment(
        key: FragmentKey, offset: Int, more: Bool, protocolNumber: UInt8?, data: ArraySlice<UInt8>, truncated: Bool,
        frame: Frame, into out: inout DecodedFrame
    ) {
        guard !truncated else {
            out.diagnostics.append(
                Diagnostic(
                    .note, code: "fragment.truncated", frame: frame.number, field: "ip.frag",
                    "fragment cut by the capture's snap length; not used for reassembly"))
            return
        }
        out.heldFragment = true
        out.reassembled = fragments.add(
            key: key, offset: offset, more: more, protocolNumber: protocolNumber, data: data, frame: frame.number,
            time: frame.timestamp, diagnostics: &out.diagnostics)
    }

    private func decodeTransport(
        _ proto: UInt8, _ bytes: ArraySlice<UInt8>, declaredLength: Int, source: IPAddress, destination: IPAddress,
        frame: Int, into out: inout DecodedFrame
    ) {
        switch proto {
        case 17:
            var udp: UDPHeader
            do {
                udp = try UDPHeader.parse(bytes, ipPayloadLength: declaredLength)
            } catch {
                out.diagnostics.append(error.diagnostic(frame: frame))
                return
            }
            if options.verifyUDPChecksums {
                udp.verifyChecksum(bytes, source: source, destination: destination)
                if udp.checksumStatus == .bad {
                    out.diagnostics.append(
                        Diagnostic(
                            .note, code: "udp.checksum", frame: frame, field: "udp.checksum",
                            "checksum 0x\(String(udp.checksum, radix: 16)) does not verify (checksum offload?)"))
                }
            }
            if udp.truncated { out.truncated = true }
            out.transport = .udp(udp)
            out.payloadRange = udp.payloadRange
            let heuristics = options.heuristics && udp.sourcePort >= 1024 && udp.destinationPort >= 1024
            out.classification = PayloadClassifier.classify(bytes[udp.payloadRange], heuristics: heuristics)
        case 6:
            let tcp: TCPHeader
            do {
                tcp = try TCPHeader.parse(bytes, ipPayloadLength: declaredLength)
            } catch {
                out.diagnostics.append(error.diagnostic(frame: frame))
                return
            }
            if tcp.truncated { out.truncated = true }
            out.transport = .tcp(tcp)
            out.payloadRange = tcp.payloadRange
            let payload = bytes[tcp.payloadRange]
            out.classification = PayloadClassifier.classify(payload, heuristics: false)
            let flow = TCPFlowKey(
                source: Endpoint(source, tcp.sourcePort), destination: Endpoint(destination, tcp.destinationPort))
            tcpStreams.add(
                flow: flow, sequenceNumber: tcp.sequenceNumber, flags: tcp.flags, payload: payload, frame: frame,
                events: &out.tcpEvents, diagnostics: &out.diagnostics)
        default:
            out.transport = .other(proto)
        }
    }
}
