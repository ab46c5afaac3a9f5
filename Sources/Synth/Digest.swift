internal import COpenSSL

/// The digest the expected-results file gives for a plaintext packet: the first 16 bytes of its
/// SHA-256, in hex (Docs/synth.md). SHA-256 through OpenSSL's EVP one-shot interface.
public func plaintextDigest(_ bytes: [UInt8]) -> String {
    var md = [UInt8](repeating: 0, count: 32)
    var size: UInt32 = 0
    let ok = bytes.withUnsafeBytes { input in
        EVP_Digest(input.baseAddress, input.count, &md, &size, EVP_sha256(), nil)
    }
    // EVP_Digest only fails on allocation failure; an all-zero digest would then show in every test.
    guard ok == 1 else { return String(repeating: "0", count: 32) }
    return hexString(md.prefix(16))
}
