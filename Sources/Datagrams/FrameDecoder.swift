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
    /// The fragments held for reassembly (read-only; for statistics and tests).
    public var fragments: FragmentReassembler { fragmentState }
    /// The TCP directions being reassembled (read-only; for statistics and tests).
    public var tcpStreams: TCPStreamReassembler { tcpState }

    // Private storage behind read-only accessors, without runtime exclusivity checks: every access is in
    // this file, none overlaps another (each is one call on the single thread that owns the decoder, which
    // is not Sendable), and the dynamic check (swift_beginAccess/endAccess, ~6 % of a frame in the profile
    // of Docs/PERFORMANCE.md) would otherwise run on every frame for the fragment-expiry check. Input
    // cannot influence which accesses happen, so this removes no safety against hostile captures.
    @exclusivity(unchecked) private var fragmentState: FragmentReassembler
    @exclusivity(unchecked) private var tcpState: TCPStreamReassembler

    public init(options: Options = Options()) {
        self.options = options
        fragmentState = FragmentReassembler(limits: options.fragmentLimits)
        tcpState = TCPStreamReassembler(limits: options.tcpLimits)
    }

    /// Decodes one frame. Frames must come in capture order (fragment expiry uses their timestamps).
    public func decode(_ frame: Frame) -> DecodedFrame {
        var out = DecodedFrame(frameNumber: frame.number)
        decode(frame, into: &out)
        return out
    }

    /// Decodes one frame into `out`, overwriting everything in it: the form for hot loops, since it
    /// writes the ~500-byte result in place and reuses the arrays' storage of an earlier frame.
    public func decode(_ frame: Frame, into out: inout DecodedFrame) {
        out.reset(frameNumber: frame.number)
        if fragmentState.holdsFragments { fragmentState.expire(now: frame.timestamp, diagnostics: &out.diagnostics) }
        let uncaptured = max(0, frame.originalLength - frame.data.count)
        if uncaptured > 0 { out.truncated = true }
        // One pointer over the frame for every header on the common path (see ByteView for why).
        frame.data.withUnsafeBytes { raw in
            decodeLayers(ByteView(raw), frame: frame, uncaptured: uncaptured, into: &out)
        }
    }

    @inline(__always)
    private func decodeLayers(_ data: ByteView, frame: Frame, uncaptured: Int, into out: inout DecodedFrame) {
        do {
            try LinkLayer.parse(source: data, linkType: frame.linkType, into: &out.linkSlot)
        } catch {
            out.diagnostics.append(error.diagnostic(frame: frame.number))
            return
        }
        out.present.insert(.link)
        let offset = out.linkSlot.payloadOffset
        switch out.linkSlot.payload {
        case .ipv4: decodeIPv4(data.suffix(from: offset), frame: frame, uncaptured: uncaptured, into: &out)
        case .ipv6:
            decodeIPv6(frame.data[min(offset, frame.data.count)...], frame: frame, uncaptured: uncaptured, into: &out)
        case .other: break
        }
    }

    /// Reports fragments and TCP holes still open at the end of the capture, and delivers the TCP
    /// bytes buffered behind those holes.
    public func finish() -> (tcpEvents: [TCPStreamEvent], diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var events: [TCPStreamEvent] = []
        fragmentState.flush(diagnostics: &diagnostics)
        tcpState.flush(events: &events, diagnostics: &diagnostics)
        return (events, diagnostics)
    }

    @inline(__always)
    private func decodeIPv4(_ bytes: ByteView, frame: Frame, uncaptured: Int, into out: inout DecodedFrame) {
        let number = frame.number
        do {
            try IPv4Header.parse(source: bytes, uncapturedBytes: uncaptured, into: &out.ipv4Slot)
        } catch {
            out.diagnostics.append(error.diagnostic(frame: number))
            return
        }
        out.present.insert(.ipv4)
        // The fields used below, read from the slot (not a copy of the whole header).
        let source = out.ipv4Slot.source
        let destination = out.ipv4Slot.destination
        let protocolNumber = out.ipv4Slot.protocolNumber
        let payloadRange = out.ipv4Slot.payloadRange
        let truncated = out.ipv4Slot.truncated
        if truncated { out.truncated = true }
        if !out.ipv4Slot.checksumValid { out.diagnostics.append(Self.ipv4ChecksumDiagnostic(out.ipv4Slot, frame: number)) }
        if out.ipv4Slot.isFragment {
            decodeIPv4Fragment(frame: frame, into: &out)
            return
        }
        guard let payload = bytes.slice(payloadRange) else { return }
        decodeTransport(
            protocolNumber, payload, in: frame.data, declaredLength: out.ipv4Slot.declaredPayloadLength,
            source: source, destination: destination, frame: number, into: &out)
    }

    // The rare paths, out of line: inlined, their code and the values they keep live crowd the common
    // path's registers (a fifth of its instructions were spills and reloads, Docs/PERFORMANCE.md).

    @inline(never)
    private static func ipv4ChecksumDiagnostic(_ ip: IPv4Header, frame: Int) -> Diagnostic {
        Diagnostic(
            .warning, code: "ipv4.checksum", frame: frame, field: "ip.checksum",
            "header checksum 0x\(String(ip.checksum, radix: 16)) does not verify")
    }

    /// An IPv4 fragment: held, and the datagram decoded when this one completes it.
    @inline(never)
    private func decodeIPv4Fragment(frame: Frame, into out: inout DecodedFrame) {
        let ip = out.ipv4Slot
        let key = FragmentKey(
            source: ip.source, destination: ip.destination, protocolNumber: ip.protocolNumber,
            identification: UInt32(ip.identification))
        guard ip.payloadRange.lowerBound >= 0, ip.payloadRange.upperBound <= frame.data.count else { return }
        addFragment(
            key: key, offset: ip.fragmentOffset, more: ip.moreFragments, protocolNumber: ip.protocolNumber,
            data: frame.data[ip.payloadRange], truncated: ip.truncated, number: frame.number, time: frame.timestamp,
            into: &out)
        if let r = out.reassembled {
            decodeReassembled(r, source: ip.source, destination: ip.destination, frame: frame.number, into: &out)
        }
    }

    /// The transport layer of a datagram this frame completed (its offsets index the reassembled bytes).
    private func decodeReassembled(
        _ r: ReassembledDatagram, source: IPAddress, destination: IPAddress, frame: Int, into out: inout DecodedFrame
    ) {
        r.bytes.withUnsafeBytes { raw in
            decodeTransport(
                r.protocolNumber, ByteView(raw), in: r.bytes, declaredLength: raw.count, source: source,
                destination: destination, frame: frame, into: &out)
        }
        out.payloadSource = .reassembled
    }

    @inline(never)
    private func decodeIPv6(
        _ bytes: ArraySlice<UInt8>, frame: Frame, uncaptured: Int, into out: inout DecodedFrame
    ) {
        let number = frame.number
        let time = frame.timestamp
        var ip: IPv6Header
        do {
            ip = try IPv6Header.parse(bytes, uncapturedBytes: uncaptured)
        } catch {
            out.diagnostics.append(error.diagnostic(frame: number))
            return
        }
        out.network = .ipv6(ip)
        if ip.truncated { out.truncated = true }
        if let f = ip.fragment {
            let key = FragmentKey(
                source: ip.source, destination: ip.destination, protocolNumber: 0, identification: f.identification)
            addFragment(
                key: key, offset: f.offset, more: f.moreFragments, protocolNumber: f.offset == 0 ? f.nextHeader : nil,
                data: bytes[ip.payloadRange], truncated: ip.truncated, number: number, time: time, into: &out)
            if let r = out.reassembled {
                // The fragmentable part may begin with more extension headers (RFC 8200 §4.5).
                let payload = r.bytes[...]
                let walk: (next: UInt8, offset: Int)
                do {
                    walk = try IPv6Header.walkExtensions(payload, from: 0, next: r.protocolNumber, header: &ip)
                } catch {
                    out.diagnostics.append(error.diagnostic(frame: number))
                    return
                }
                ip.upperProtocol = walk.next
                out.network = .ipv6(ip)
                r.bytes.withUnsafeBytes { raw in
                    let rest = ByteView(raw).suffix(from: walk.offset)
                    decodeTransport(
                        walk.next, rest, in: r.bytes, declaredLength: rest.count, source: ip.source,
                        destination: ip.destination, frame: number, into: &out)
                }
                out.payloadSource = .reassembled
            }
            return
        }
        frame.data.withUnsafeBytes { raw in
            guard let payload = ByteView(raw).slice(ip.payloadRange) else { return }
            decodeTransport(
                ip.upperProtocol, payload, in: frame.data, declaredLength: ip.declaredPayloadLength,
                source: ip.source, destination: ip.destination, frame: number, into: &out)
        }
    }

    private func addFragment(
        key: FragmentKey, offset: Int, more: Bool, protocolNumber: UInt8?, data: ArraySlice<UInt8>, truncated: Bool,
        number: Int, time: Timestamp, into out: inout DecodedFrame
    ) {
        guard !truncated else {
            out.diagnostics.append(
                Diagnostic(
                    .note, code: "fragment.truncated", frame: number, field: "ip.frag",
                    "fragment cut by the capture's snap length; not used for reassembly"))
            return
        }
        out.heldFragment = true
        out.reassembled = fragmentState.add(
            key: key, offset: offset, more: more, protocolNumber: protocolNumber, data: data, frame: number,
            time: time, diagnostics: &out.diagnostics)
    }

    /// Decodes the transport header in `bytes`, a view of `array` (the frame or a reassembled datagram)
    /// at `array`'s own indices; the rarer paths (checksums, TCP, non-RTP payloads) take slices of `array`.
    private func decodeTransport(
        _ proto: UInt8, _ bytes: ByteView, in array: [UInt8], declaredLength: Int, source: IPAddress,
        destination: IPAddress, frame: Int, into out: inout DecodedFrame
    ) {
        switch proto {
        case 17:
            do {
                try UDPHeader.parse(source: bytes, ipPayloadLength: declaredLength, into: &out.udpSlot)
            } catch {
                out.diagnostics.append(error.diagnostic(frame: frame))
                return
            }
            out.present.insert(.udp)
            if options.verifyUDPChecksums {
                verifyUDPChecksum(bytes, in: array, source: source, destination: destination, frame: frame, into: &out)
            }
            if out.udpSlot.truncated { out.truncated = true }
            let payloadRange = out.udpSlot.payloadRange
            out.payloadSlot = payloadRange
            out.present.insert(.payload)
            let heuristics =
                options.heuristics && out.udpSlot.sourcePort >= 1024 && out.udpSlot.destinationPort >= 1024
            guard let payload = bytes.slice(payloadRange) else { return }
            out.classification = PayloadClassifier.classify(payload, in: array, heuristics: heuristics)
            if heuristics, out.classification.kind == .unknown {
                noteRejectedMedia(payload, in: array, frame: frame, into: &out)
            }
        case 6:
            decodeTCP(
                bytes, in: array, declaredLength: declaredLength, source: source, destination: destination,
                frame: frame, into: &out)
        default:
            out.transport = .other(proto)
        }
    }

    @inline(never)
    private func verifyUDPChecksum(
        _ bytes: ByteView, in array: [UInt8], source: IPAddress, destination: IPAddress, frame: Int,
        into out: inout DecodedFrame
    ) {
        guard bytes.startIndex >= 0, bytes.endIndex <= array.count else { return }
        out.udpSlot.verifyChecksum(array[bytes.startIndex..<bytes.endIndex], source: source, destination: destination)
        if out.udpSlot.checksumStatus == .bad {
            out.diagnostics.append(
                Diagnostic(
                    .note, code: "udp.checksum", frame: frame, field: "udp.checksum",
                    "checksum 0x\(String(out.udpSlot.checksum, radix: 16)) does not verify (checksum offload?)"))
        }
    }

    @inline(never)
    private func noteRejectedMedia(_ payload: ByteView, in array: [UInt8], frame: Int, into out: inout DecodedFrame) {
        guard payload.startIndex >= 0, payload.endIndex <= array.count,
            let d = PayloadClassifier.rejectedMedia(array[payload.startIndex..<payload.endIndex], frame: frame)
        else { return }
        out.diagnostics.append(d)
    }

    @inline(never)
    private func decodeTCP(
        _ bytes: ByteView, in array: [UInt8], declaredLength: Int, source: IPAddress, destination: IPAddress,
        frame: Int, into out: inout DecodedFrame
    ) {
        guard bytes.startIndex >= 0, bytes.endIndex <= array.count else { return }
        let bytes = array[bytes.startIndex..<bytes.endIndex]
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
        tcpState.add(
            flow: flow, sequenceNumber: tcp.sequenceNumber, flags: tcp.flags, payload: payload, frame: frame,
            events: &out.tcpEvents, diagnostics: &out.diagnostics)
    }
}
