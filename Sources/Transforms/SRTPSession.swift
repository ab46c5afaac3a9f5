import Crypto

/// One sender's SRTP crypto context (RFC 3711 §3.2): a policy and the per-SSRC streams it has met,
/// sharing the master-key usage counts. RTP packets are routed by their SSRC (bytes 8–11), RTCP packets
/// by the sender SSRC (bytes 4–7).
public final class SRTPSession {
    public let policy: SRTPPolicy
    public let provider: any CryptoProvider
    public let usage: KeyUsage
    public private(set) var streams: [UInt32: SRTPStream] = [:]

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
        return try stream(UnsafeRawBufferPointer(packet).be32(8)).unprotectRTP(packet, length: length, options: options)
    }

    public func unprotectRTCP(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, options: UnprotectOptions = UnprotectOptions()
    ) throws -> UnprotectResult {
        guard length >= 8, length <= packet.count else { return .failure(.tooShort) }
        return try stream(UnsafeRawBufferPointer(packet).be32(4)).unprotectRTCP(
            packet, length: length, options: options)
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
