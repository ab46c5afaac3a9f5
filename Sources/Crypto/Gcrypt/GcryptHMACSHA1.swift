internal import CGcrypt

/// HMAC-SHA1 (RFC 2104) on a plain libgcrypt SHA-1 handle, with the two key blocks kept.
///
/// Why not `gcry_mac` (or a `GCRY_MD_FLAG_HMAC` handle): libgcrypt's HMAC finalisation (`md_final`)
/// mallocs a copy of the inner digest on every MAC (1 malloc per packet, measured), and
/// `gcry_md_copy`, the only way to snapshot a state, allocates a whole handle. A plain SHA-1 handle
/// allocates nothing after `gcry_md_open`: `gcry_md_reset` re-initialises it in place and
/// `gcry_md_read` finalises into the handle. The price is absorbing K XOR ipad and K XOR opad (one
/// SHA-1 block each) per MAC instead of restoring saved states, since libgcrypt offers no
/// allocation-free way to restore one.
final class GcryptHMACSHA1: HMACSHA1 {
    private let handle: gcry_md_hd_t
    /// K XOR ipad at 0..<64, K XOR opad at 64..<128.
    private let pads: UnsafeMutableRawBufferPointer

    init(key: [UInt8]) throws(CryptoError) {
        // Empty keys are refused on both providers; see OpenSSLHMACSHA1.
        guard !key.isEmpty else { throw .keyLength("HMAC-SHA1", got: 0, allowed: [20]) }
        var handle: gcry_md_hd_t?
        try GcryptErrors.check(gcry_md_open(&handle, Int32(GCRY_MD_SHA1.rawValue), 0), "gcry_md_open(SHA1)")
        guard let handle else { throw .library("gcry_md_open(SHA1)", "no handle returned") }
        self.handle = handle
        // RFC 2104 §2: a key longer than the block is replaced by its hash.
        var shortKey = key
        if key.count > HMACKeyPads.blockLength {
            shortKey = [UInt8](repeating: 0, count: HMACKeyPads.sha1Length)
            key.withUnsafeBytes { k in
                shortKey.withUnsafeMutableBytes { d in
                    gcry_md_hash_buffer(Int32(GCRY_MD_SHA1.rawValue), d.baseAddress, k.baseAddress, k.count)
                }
            }
        }
        var keyPads = HMACKeyPads(key: shortKey)
        defer { keyPads.wipe() }
        let block = HMACKeyPads.blockLength
        pads = .allocate(byteCount: 2 * block, alignment: 16)
        for i in 0..<block {
            pads[i] = keyPads.inner[i]
            pads[block + i] = keyPads.outer[i]
        }
        reset()
    }

    deinit {
        pads.initializeMemory(as: UInt8.self, repeating: 0)
        pads.deallocate()
        gcry_md_close(handle)
    }

    func reset() {
        gcry_md_reset(handle)
        gcry_md_write(handle, pads.baseAddress, HMACKeyPads.blockLength)
    }

    func update(_ data: UnsafeRawBufferPointer) throws {
        guard data.count > 0 else { return }
        gcry_md_write(handle, data.baseAddress, data.count)
    }

    func finalize(into output: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.atLeast(output.count, HMACKeyPads.sha1Length, "HMAC-SHA1 output")
        guard let out = output.baseAddress, let pads = pads.baseAddress else { return }
        let length = HMACKeyPads.sha1Length
        // Inner hash H(K XOR ipad || text), copied out before the handle is reused for the outer one.
        guard let inner = gcry_md_read(handle, Int32(GCRY_MD_SHA1.rawValue)) else {
            throw CryptoError.library("gcry_md_read", "no digest")
        }
        out.copyMemory(from: inner, byteCount: length)
        gcry_md_reset(handle)
        gcry_md_write(handle, pads + HMACKeyPads.blockLength, HMACKeyPads.blockLength)
        gcry_md_write(handle, out, length)
        guard let digest = gcry_md_read(handle, Int32(GCRY_MD_SHA1.rawValue)) else {
            throw CryptoError.library("gcry_md_read", "no digest")
        }
        out.copyMemory(from: digest, byteCount: length)
    }
}
