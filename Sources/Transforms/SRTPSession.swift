import Crypto

/// One sender's SRTP crypto context (RFC 3711 §3.2): a policy and the per-SSRC streams it has met,
/// sharing the master-key usage counts. RTP packets are routed by their SSRC (bytes 8–11), RTCP packets
/// by the sender SSRC (bytes 4–7).
///
/// A received packet with an SSRC not yet met is tried on one spare stream, and that stream is kept for
/// the SSRC only when the packet authenticates: forged or foreign packets with ever new SSRCs then
/// neither grow `streams` nor derive keys and make contexts per packet (a stream's state changes only
/// on success, so a spare that failed is as good as new).
public final class SRTPSession {
    public let policy: SRTPPolicy
    public let provider: any CryptoProvider
    public let usage: KeyUsage
    /// The streams of the SSRCs that have authenticated a packet (or that `stream(_:)` was asked for).
    public private(set) var streams: [UInt32: SRTPStream] = [:]
    /// The stream tried for an SSRC not yet met; nil once adopted, until the next unknown SSRC.
    private var spare: SRTPStream?

    public init(policy: SRTPPolicy, provider: any CryptoProvider) throws {
        try policy.validate()
        self.policy = policy
        self.provider = provider
        usage = KeyUsage(keys: policy.keys)
    }

    /// The stream of `ssrc`, created on first use.
    public func stream(_ ssrc: UInt32) throws -> SRTPStream {
        if let s = streams[ssrc] { return s }
        let s = try SRTPStream(ssrc: ssrc, policy: policy, provider: provider, usage: usage)
        streams[ssrc] = s
        return s
    }

    public func unprotectRTP(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, options: UnprotectOptions = UnprotectOptions()
    ) throws -> UnprotectResult {
        guard length >= 12, length <= packet.count else { return .failure(.tooShort) }
        let ssrc = UnsafeRawBufferPointer(packet).be32(8)
        if let s = streams[ssrc] { return try s.unprotectRTP(packet, length: length, options: options) }
        let s = try spareStream(for: ssrc)
        let r = try s.unprotectRTP(packet, length: length, options: options)
        adoptIfAuthentic(s, r)
        return r
    }

    public func unprotectRTCP(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, options: UnprotectOptions = UnprotectOptions()
    ) throws -> UnprotectResult {
        guard length >= 8, length <= packet.count else { return .failure(.tooShort) }
        let ssrc = UnsafeRawBufferPointer(packet).be32(4)
        if let s = streams[ssrc] { return try s.unprotectRTCP(packet, length: length, options: options) }
        let s = try spareStream(for: ssrc)
        let r = try s.unprotectRTCP(packet, length: length, options: options)
        adoptIfAuthentic(s, r)
        return r
    }

    private func spareStream(for ssrc: UInt32) throws -> SRTPStream {
        let s = try spare ?? SRTPStream(ssrc: ssrc, policy: policy, provider: provider, usage: usage)
        s.ssrc = ssrc
        spare = s
        return s
    }

    private func adoptIfAuthentic(_ s: SRTPStream, _ r: UnprotectResult) {
        guard r.verdict.isAuthentic else { return }
        streams[s.ssrc] = s
        spare = nil
    }
}

extension SRTPStream {
    /// Convenience for tests and tools: unprotects a copy of `packet`, returning the result and the
    /// plaintext (nil without one).
    public func unprotectRTP(_ packet: [UInt8], options: UnprotectOptions = UnprotectOptions()) throws -> (
        UnprotectResult, [UInt8]?
    ) {
        var buffer = packet
        let r = try buffer.withUnsafeMutableBytes { try unprotectRTP($0, length: packet.count, options: options) }
        return (r, r.plaintextLength.map { Array(buffer[0..<$0]) })
    }

    public func unprotectRTCP(_ packet: [UInt8], options: UnprotectOptions = UnprotectOptions()) throws -> (
        UnprotectResult, [UInt8]?
    ) {
        var buffer = packet
        let r = try buffer.withUnsafeMutableBytes { try unprotectRTCP($0, length: packet.count, options: options) }
        return (r, r.plaintextLength.map { Array(buffer[0..<$0]) })
    }

    /// Protects a copy of `packet` (RTP) and returns the SRTP packet.
    public func protectRTP(_ packet: [UInt8], roc: UInt32, keyIndex: Int = 0) throws -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: 4 + 4 + 16)
        let n = try buffer.withUnsafeMutableBytes {
            try protectRTP($0, length: packet.count, roc: roc, keyIndex: keyIndex)
        }
        return Array(buffer[0..<n])
    }

    /// Protects a copy of `packet` (RTCP) and returns the SRTCP packet.
    public func protectRTCP(_ packet: [UInt8], index: UInt32, keyIndex: Int = 0) throws -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: 4 + 4 + 16)
        let n = try buffer.withUnsafeMutableBytes {
            try protectRTCP($0, length: packet.count, index: index, keyIndex: keyIndex)
        }
        return Array(buffer[0..<n])
    }
}
