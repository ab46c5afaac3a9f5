import Crypto
import DTLSSRTP
import TestSupport
import Testing

/// The TLS PRFs against published vectors, on both crypto providers.
///
/// Provenance:
/// - P_SHA256 and P_SHA384: the TLS 1.2 PRF test vectors posted to the IETF TLS working group list
///   (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), label "test label"; the same
///   values are in GnuTLS's `tests/tls12-prf.c` and are reproduced by
///   `openssl kdf -keylen 100 -kdfopt digest:SHA256 -kdfopt hexsecret:… -kdfopt hexseed:… TLS1-PRF`.
/// - TLS 1.0 (MD5 ⊕ SHA-1): the "PRF Testvector" posted to the ietf-tls list
///   (http://www.imc.org/ietf-tls/mail-archive/msg01589.html): secret 48 × 0xab, seed 64 × 0xcd,
///   104 bytes; also in the test suite of as3crypto's TLSPRF.
struct TLSPRFTests {
    static let providers: [String] = CryptoProviders.names

    func digests(_ name: String) throws -> any MessageDigests {
        try CryptoProviders.digests(of: try CryptoProviders.named(name))
    }

    @Test(arguments: providers) func sha256Vector(_ provider: String) throws {
        let out = try TLSPRF.tls12(.sha256).compute(
            secret: Hex.bytes("9bbe436ba940f017b17652849a71db35"), label: Array("test label".utf8),
            seed: Hex.bytes("a0ba9f936cda311827a6f796ffd5198c"), length: 100, digests: try digests(provider))
        #expect(
            Hex.string(out)
                == "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
        )
    }

    @Test(arguments: providers) func sha384Vector(_ provider: String) throws {
        let out = try TLSPRF.tls12(.sha384).compute(
            secret: Hex.bytes("b80b733d6ceefcdc71566ea48e5567df"), label: Array("test label".utf8),
            seed: Hex.bytes("cd665cf6a8447dd6ff8b27555edb7465"), length: 148, digests: try digests(provider))
        #expect(
            Hex.string(out)
                == "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f"
        )
    }

    @Test(arguments: providers) func tls10Vector(_ provider: String) throws {
        let out = try TLSPRF.tls10.compute(
            secret: [UInt8](repeating: 0xAB, count: 48), label: Array("PRF Testvector".utf8),
            seed: [UInt8](repeating: 0xCD, count: 64), length: 104, digests: try digests(provider))
        #expect(
            Hex.string(out)
                == "d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754443bcf9a296519bc289abcbc1187e4ebd31e602353776c408aafb74cbc85eff69255f9788faa184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f1afbc655a8c9a013"
        )
    }

    /// A shorter request is a prefix of a longer one (P_hash is a stream): catches an off-by-one in
    /// the A(i) chain that a single length would not.
    @Test func prefixProperty() throws {
        let d = try digests("openssl")
        let secret = Hex.bytes("b80b733d6ceefcdc71566ea48e5567df")
        let seed = Hex.bytes("cd665cf6a8447dd6ff8b27555edb7465")
        for prf in [TLSPRF.tls10, .tls12(.sha256), .tls12(.sha384)] {
            let long = try prf.compute(secret: secret, label: [0x61], seed: seed, length: 150, digests: d)
            for n in [1, 31, 32, 33, 47, 48, 49, 60, 100] {
                let short = try prf.compute(secret: secret, label: [0x61], seed: seed, length: n, digests: d)
                #expect(short == Array(long.prefix(n)), "\(prf.name) length \(n)")
            }
        }
    }

    /// The two providers agree on every digest and HMAC, over lengths around block boundaries.
    @Test func providersAgree() throws {
        let a = try digests("openssl")
        let b = try digests("gcrypt")
        var rng = SeededGenerator(seed: 0xD715)
        for alg in DigestAlgorithm.allCases {
            for n in [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000] {
                let data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let key = (0..<(1 + n % 150)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let da = try a.digest(alg, data)
                #expect(da.count == alg.length)
                #expect(da == (try b.digest(alg, data)), "\(alg) digest of \(n) bytes")
                #expect(
                    (try a.hmac(alg, key: key, data: data)) == (try b.hmac(alg, key: key, data: data)),
                    "\(alg) HMAC of \(n) bytes")
            }
        }
    }

    /// Known answers for the digests themselves (FIPS 180-4 / RFC 1321 "abc" examples).
    @Test(arguments: providers) func digestKnownAnswers(_ provider: String) throws {
        let d = try digests(provider)
        let abc = Array("abc".utf8)
        #expect(Hex.string(try d.digest(.md5, abc)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Hex.string(try d.digest(.sha1, abc)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            Hex.string(try d.digest(.sha256, abc))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func emptyHMACKeyRefused() throws {
        for name in CryptoProviders.names {
            #expect(throws: CryptoError.self) { try digests(name).hmac(.sha256, key: [], data: [1]) }
        }
    }
}
