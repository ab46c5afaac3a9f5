import Crypto
import TestSupport
import Testing

@testable import Transforms

/// RFC 6904 encrypted header extensions under AEAD_AES_128/256_GCM. No published vector covers this
/// combination; the reading taken is libsrtp's (see crypto.md): the elements are XORed with an AES-CM
/// keystream keyed with the label-6 key (GCM's key size), salted with the label-7 salt (96 bits, zero-
/// padded to 112), IV as RFC 3711 §4.1.1, before GCM seals the packet with the encrypted header as AAD.
/// Here the whole packet is rebuilt from the provider's AES block and GCM primitives alone, and compared
/// with `SRTPStream`; `LibsrtpOracleTests` checks the same against libsrtp 2.
struct HeaderExtensionGCMTests {
    /// AES in counter mode from single blocks: `length` bytes of keystream from the 16-byte counter `iv`.
    static func keystream(_ block: any AESBlockCipher, iv: [UInt8], length: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var counter = iv
        var input = [UInt8](repeating: 0, count: 16)
        var output = [UInt8](repeating: 0, count: 16)
        while out.count < length {
            input = counter
            try input.withUnsafeBytes { i in try output.withUnsafeMutableBytes { try block.encryptBlock(i, into: $0) } }
            out += output
            var j = 15
            while j >= 0 {  // big-endian increment over the whole block
                counter[j] &+= 1
                if counter[j] != 0 { break }
                j -= 1
            }
        }
        return Array(out.prefix(length))
    }

    /// RFC 3711 §4.3.1 with kdr = 0: x = (label at byte 7) XOR master salt (12 bytes + 2 zero bytes, RFC 7714
    /// §12 as libsrtp reads it), IV = x · 2^16, output = AES-CM keystream under the master key.
    static func prf(_ p: any CryptoProvider, masterKey: [UInt8], masterSalt: [UInt8], label: UInt8, length: Int)
        throws -> [UInt8]
    {
        var x = masterSalt + [UInt8](repeating: 0, count: 14 - masterSalt.count)
        x[7] ^= label
        return try keystream(p.makeAESBlockCipher(key: masterKey), iv: x + [0, 0], length: length)
    }

    @Test("GCM + RFC 6904 rebuilt from AES blocks and GCM: same bytes as SRTPStream", arguments: providerNames)
    func independentConstruction(_ name: String) throws {
        let p = try provider(name)
        var rng = SeededGenerator(seed: 7714_6904)
        for suite in [SRTPSuite.aeadAES128GCM, .aeadAES256GCM] {
            let masterKey = rng.bytes(suite.keyLength)
            let masterSalt = rng.bytes(12)
            let ssrc: UInt32 = 0xCAFE_F00D
            let roc: UInt32 = 2
            let seq: UInt16 = 0xFFF0
            let ssrcBytes = (0..<4).map { UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * UInt32($0))) }
            // One-byte elements: id 1 (3 bytes, encrypted), id 2 (1 byte, clear), id 3 (5 bytes, encrypted):
            // body 12 bytes = 3 words.
            let ext: [UInt8] =
                [0xBE, 0xDE, 0, 3, 0x12] + rng.bytes(3) + [0x20] + rng.bytes(1) + [0x34] + rng.bytes(5)
            let header: [UInt8] =
                [0x90, 0x6F, UInt8(seq >> 8), UInt8(truncatingIfNeeded: seq)] + rng.bytes(4) + ssrcBytes + ext
            let payload = rng.bytes(57)
            let plain = header + payload

            // Session keys by hand (labels 0, 2, 6, 7; RFC 3711 §4.3.2, RFC 6904 §4.3).
            let k = suite.keyLength
            let ke = try Self.prf(p, masterKey: masterKey, masterSalt: masterSalt, label: 0, length: k)
            let ks = try Self.prf(p, masterKey: masterKey, masterSalt: masterSalt, label: 2, length: 12)
            let khe = try Self.prf(p, masterKey: masterKey, masterSalt: masterSalt, label: 6, length: k)
            let khs = try Self.prf(p, masterKey: masterKey, masterSalt: masterSalt, label: 7, length: 12)

            // Header keystream: IV = (k_hs, 96 bits, then 32 zero bits) XOR (SSRC · 2^64) XOR (index · 2^16).
            let index = UInt64(roc) << 16 | UInt64(seq)
            var iv = khs + [0, 0, 0, 0]
            for i in 0..<4 { iv[4 + i] ^= ssrcBytes[i] }
            for i in 0..<6 { iv[8 + i] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * UInt64(i))) }
            let body = Array(ext[4...])
            let ks6904 = try Self.keystream(p.makeAESBlockCipher(key: khe), iv: iv, length: body.count)
            var encryptedHeader = header
            for offset in [1, 2, 3, 7, 8, 9, 10, 11] {  // the data bytes of ids 1 and 3 in the body
                encryptedHeader[16 + offset] ^= ks6904[offset]
            }

            // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR k_s; AAD = the header as sent.
            var gcmIV: [UInt8] = [0, 0] + ssrcBytes
            gcmIV += (0..<4).map { UInt8(truncatingIfNeeded: roc >> (24 - 8 * UInt32($0))) }
            gcmIV += [UInt8(seq >> 8), UInt8(truncatingIfNeeded: seq)]
            for i in 0..<12 { gcmIV[i] ^= ks[i] }
            var sealed = payload
            var tag = [UInt8](repeating: 0, count: 16)
            let gcm = try p.makeAESGCM(key: ke)
            try gcmIV.withUnsafeBytes { ivp in
                try encryptedHeader.withUnsafeBytes { aad in
                    try sealed.withUnsafeMutableBytes { d in
                        try tag.withUnsafeMutableBytes { try gcm.seal(iv: ivp, aad: aad, data: d, tag: $0) }
                    }
                }
            }
            let expected = encryptedHeader + sealed + tag

            let policy = SRTPPolicy(
                suite: suite, keys: [MasterKey(key: masterKey, salt: masterSalt)], encryptedExtensionIDs: [1, 3])
            let sender = try SRTPStream(ssrc: ssrc, policy: policy, provider: p)
            let got = try sender.protectRTP(plain, roc: roc)
            #expect(got == expected, "\(suite.name)")
            let receiver = try SRTPStream(
                ssrc: ssrc,
                policy: SRTPPolicy(suite: suite, keys: policy.keys, encryptedExtensionIDs: [1, 3], initialROC: roc),
                provider: p)
            let (r, out) = try receiver.unprotectRTP(expected)
            #expect(r.verdict == .authenticated)
            #expect(out == plain)
            // The tag covers the encrypted elements: a flipped bit there fails, and the buffer comes back.
            var bad = expected
            bad[21] ^= 0x01
            var work = bad
            let rb = try work.withUnsafeMutableBytes { try receiver.unprotectRTP($0, length: $0.count) }
            #expect(rb.verdict == .failed(.tagMismatch))
            #expect(work == bad)
        }
    }
}
