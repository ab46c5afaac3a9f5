import Crypto
import Transforms

/// MS-RTPME for the decrypt engine: DES-CBC with a zero IV over the whole packet (RFC 3550 §9.1 as
/// Microsoft uses it), under one of the two readings of the MS-SDP key (see RTPMEKey).
///
/// Unlike `RTPMEContext`, which accepts the first reading whose first block could start a header (about
/// one wrong key in eight passes that), a reading is accepted only when the whole plaintext hangs
/// together (`plausible`): the reading is decided from the first packets, then tried first.
public final class RTPMEDecryptor {
    private let ciphers: [(RTPMEKey.Reading, any DESCBC)]
    public private(set) var settled: RTPMEKey.Reading?
    private let iv = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
    private let saved: UnsafeMutableRawBufferPointer
    /// The unpadded length of the last RTP packet (see `unpaddedLength`).
    private var lastRTPLength: Int?

    public init(base64Passphrase: String, provider: any CryptoProvider) throws {
        guard let digest = try RTPMEKey.digest(base64: base64Passphrase, provider: provider) else {
            throw ProtectError("passphrase", "the k= value is not base64")
        }
        ciphers = try RTPMEKey.Reading.allCases.map {
            ($0, try provider.makeDESCBC(key: RTPMEKey.key(digest: digest, reading: $0)))
        }
        for i in 0..<8 { iv[i] = 0 }
        saved = UnsafeMutableRawBufferPointer.allocate(byteCount: DecryptEngine.bufferSize, alignment: 16)
    }

    deinit {
        iv.deallocate()
        saved.deallocate()
    }

    /// Decrypts `packet[0..<length]` in place as `kind`; returns the unpadded plaintext length and the
    /// reading, or nil (the buffer restored) when no reading gives a plausible packet.
    public func unprotect(_ packet: UnsafeMutableRawBufferPointer, length n: Int, kind: MediaPacketKind) throws -> (
        length: Int, reading: RTPMEKey.Reading
    )? {
        guard n >= 8, n % 8 == 0, n <= packet.count, n <= saved.count else { return nil }
        saved.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[0..<n]))
        let start = ciphers.firstIndex { $0.0 == settled } ?? 0
        for j in 0..<ciphers.count {
            let (reading, des) = ciphers[(start + j) % ciphers.count]
            try des.decrypt(iv: UnsafeRawBufferPointer(iv), data: packet.slice(0..<n))
            let ro = UnsafeRawBufferPointer(packet)
            let len = unpaddedLength(ro, n, kind)
            if Self.plausible(ro, length: len, padded: n, kind: kind) {
                settled = reading
                if kind == .rtp { lastRTPLength = len }
                return (len, reading)
            }
            packet.copyMemory(from: UnsafeRawBufferPointer(rebasing: saved[0..<n]))
        }
        return nil
    }

    /// MS-RTPME pads with zeros to 8 bytes without setting the P bit, so the padding is not marked.
    /// RTCP: the compound's length words give the end (RFC 3550 §6.4.1). RTP: trailing zeros (at most 7)
    /// are padding, except that a stream's packets usually keep one size (a codec frame per packet), so
    /// the last packet's length is kept when it fits: a payload may end in zero bytes.
    func unpaddedLength(_ p: UnsafeRawBufferPointer, _ n: Int, _ kind: MediaPacketKind) -> Int {
        switch kind {
        case .rtcp:
            var at = 0
            while at + 4 <= n, p[at] >> 6 == 2 {
                let next = at + ((Int(p[at + 2]) << 8 | Int(p[at + 3])) + 1) * 4
                if next > n { break }
                at = next
            }
            return at > 0 ? at : n
        case .rtp:
            var end = n
            while end > n - 7, end > 12, p[end - 1] == 0 { end -= 1 }
            if let last = lastRTPLength, last > end, last <= n, last > n - 8 { return last }
            return end
        }
    }

    /// The whole plaintext hangs together: version 2; RTP: a plausible payload type (RFC 3551 §6 static
    /// or dynamic) and CSRC list and extension inside the packet; RTCP: packet type 200–207 and length
    /// words that end the compound; zero padding.
    static func plausible(_ p: UnsafeRawBufferPointer, length: Int, padded: Int, kind: MediaPacketKind) -> Bool {
        guard length >= 8, length <= padded, padded <= p.count, p[0] >> 6 == 2 else { return false }
        for i in length..<padded where p[i] != 0 { return false }
        switch kind {
        case .rtp:
            guard length >= 12 else { return false }
            let pt = p[1] & 0x7F
            guard pt <= 34 || (96...127).contains(pt) else { return false }
            var header = 12 + Int(p[0] & 0x0F) * 4
            if p[0] & 0x10 != 0 {
                guard header + 4 <= length else { return false }
                header += 4 + (Int(p[header + 2]) << 8 | Int(p[header + 3])) * 4
            }
            return header <= length
        case .rtcp:
            guard (200...207).contains(p[1]) else { return false }
            return padded - length < 8
        }
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always)
    func slice(_ r: Range<Int>) -> UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: self[r]) }
}
