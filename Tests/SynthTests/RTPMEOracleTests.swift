// An independent check of the MS-RTPME corpus call: the openssl command line (legacy provider) derives
// the DES key from the k= passphrase (MD5 of its UTF-16LE text as UTF-8, Microsoft protocols notes) and
// decrypts every RTPME frame (DES-CBC, zero IV, no padding removal); the plaintext minus the zero
// padding must have the digest of the expected results. Skipped when openssl cannot do DES.
import Foundation
import Synth
import Testing

enum OpenSSLCLI {
    static func run(_ arguments: [String], input: Data) -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        stdin.fileHandleForWriting.write(input)
        try? stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? out : nil
    }

    static func desDecrypt(_ data: Data, key: [UInt8]) -> Data? {
        run(
            [
                "enc", "-d", "-des-cbc", "-K", key.map { String(format: "%02x", $0) }.joined(), "-iv",
                "0000000000000000", "-nopad",
                "-provider", "legacy", "-provider", "default",
            ], input: data)
    }

    /// Whether this openssl decrypts DES (OpenSSL 3 needs its legacy provider).
    static let canDES: Bool = desDecrypt(Data(count: 8), key: [UInt8](repeating: 1, count: 8))?.count == 8
}

// openssl with the legacy provider is an optional independent oracle: skipped (not failed) without it.
@Suite(.enabled(if: OpenSSLCLI.canDES, "openssl with DES (legacy provider) is not available"))
struct RTPMEOracleTests {
    static func desKey(passphrase: String, reading: String) throws -> [UInt8] {
        let bytes = try #require(Data(base64Encoded: passphrase))
        let text = try #require(String(data: bytes, encoding: .utf16LittleEndian))
        let md5 = try #require(OpenSSLCLI.run(["dgst", "-md5", "-binary"], input: Data(text.utf8)))
        let digest = [UInt8](md5)
        if reading == "firstEightBytes" { return Array(digest.prefix(8)) }
        // 56 bits spread over 8 bytes, 7 bits each in the high bits, odd parity in the low bit.
        var bits: UInt64 = 0
        for b in digest.prefix(7) { bits = bits << 8 | UInt64(b) }
        return (0..<8).map { i in
            let seven = UInt8((bits >> UInt64(49 - 7 * i)) & 0x7F) << 1
            return seven | (seven.nonzeroBitCount % 2 == 0 ? 1 : 0)
        }
    }

    @Test func opensslDecryptsEveryRTPMEFrame() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "rtpme-k-base64" })
        let expected = try Corpus.expected(entry)
        let frames = try readFrames(entry.captureURL.path)
        var checked = 0
        for (i, stream) in expected.streams.enumerated() {
            let key = try Self.desKey(
                passphrase: try #require(stream.keys.first), reading: try #require(stream.rtpmeReading))
            // All of a stream's frames in one openssl run: CBC with a zero IV per packet, so decrypt each.
            for result in expected.mediaFrames where result.stream == i {
                let payload = Data(try #require(UDPView(frames[result.frame - 1])).payload)
                let plain = [UInt8](try #require(OpenSSLCLI.desDecrypt(payload, key: key)))
                // RTP: 12 + 160 bytes (PCMU); RTCP: its length field says how long the compound is.
                var length = plain.count
                if result.kind == "rtp" {
                    length = 172
                } else {
                    var at = 0
                    while at + 4 <= plain.count, plain[at] >> 6 == 2 {
                        at += (Int(plain[at + 2]) << 8 | Int(plain[at + 3]) + 1) * 4
                    }
                    length = at
                }
                #expect(plain[0] >> 6 == 2, "frame \(result.frame): not version 2")
                #expect(plaintextDigest(Array(plain.prefix(length))) == result.digest, "frame \(result.frame)")
                checked += 1
            }
        }
        #expect(checked > 100)
    }
}
