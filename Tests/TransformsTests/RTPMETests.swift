import Crypto
import Testing

@testable import Transforms

/// MS-RTPME: the `k=base64:` key chain, both readings of "the first 56 bits", DES-CBC round trips and
/// the reading detection.
struct RTPMETests {
    @Test("base64 → UTF-16LE → UTF-8: \"Aé€\" written as UTF-16LE")
    func passphraseText() {
        // "Aé€" in UTF-16LE is 41 00 E9 00 AC 20, base64 "QQDpAKwg"; in UTF-8 41 C3A9 E282AC.
        #expect(RTPMEKey.passphraseUTF8(base64: "QQDpAKwg") == hex("41 C3A9 E282AC"))
        #expect(RTPMEKey.passphraseUTF8(base64: "not base64!") == nil)
        #expect(Base64.decode("TWE=") == Array("Ma".utf8))
        #expect(Base64.decode("TWE") == Array("Ma".utf8))
    }

    @Test("the MD5 step (RFC 1321 §A.5: MD5(\"abc\"))", arguments: providerNames)
    func md5Chain(_ name: String) throws {
        // "abc" as UTF-16LE = 61 00 62 00 63 00 → base64 "YQBiAGMA"; UTF-8 "abc"; MD5 from RFC 1321.
        let digest = try RTPMEKey.digest(base64: "YQBiAGMA", provider: provider(name))
        #expect(digest == hex("900150983cd24fb0d6963f7d28e17f72"))
    }

    @Test("the two readings of \"first 56 bits\"")
    func readings() {
        let digest = hex("900150983cd24fb0d6963f7d28e17f72")
        #expect(RTPMEKey.key(digest: digest, reading: .firstEightBytes) == hex("900150983cd24fb0"))
        // 90 01 50 98 3c d2 4f = 1001000 0000000 0101010 0001001 1000001 1110011 0100100 1001111,
        // each 7-bit group shifted left with an odd-parity bit: 91 01 54 13 83 e6 49 9e.
        let spread = RTPMEKey.key(digest: digest, reading: .sevenBytesWithParity)
        #expect(spread == hex("91015413 83e6499e"))
        #expect(spread.allSatisfy { $0.nonzeroBitCount % 2 == 1 })
    }

    @Test("round trips with each reading; unprotect says which reading fits", arguments: providerNames)
    func roundTrip(_ name: String) throws {
        let p = try provider(name)
        let passphrase = "TQBlAGQAaQBhAEsAZQB5ADEAMgAzAA=="  // "MediaKey123" in UTF-16LE
        let rtp = hex("80 00 1234 00000010 cafebabe") + (0..<21).map { UInt8($0) }
        let rtcp = hex("81c8 0006 cafebabe") + [UInt8](repeating: 0x11, count: 20)
        for reading in RTPMEKey.Reading.allCases {
            for (packet, kind) in [(rtp, RTPMEContext.PacketKind.rtp), (rtcp, .rtcp)] {
                let sender = try RTPMEContext(base64Passphrase: passphrase, provider: p)
                var buffer = packet + [UInt8](repeating: 0xEE, count: 8)
                let n = try buffer.withUnsafeMutableBytes {
                    try sender.protect($0, length: packet.count, reading: reading)
                }
                #expect(n % 8 == 0 && n >= packet.count && n < packet.count + 8)
                let receiver = try RTPMEContext(base64Passphrase: passphrase, provider: p)
                let wire = Array(buffer[0..<n])
                var inPlace = wire
                let r = try inPlace.withUnsafeMutableBytes { try receiver.unprotect($0, length: n, kind: kind) }
                #expect(r.reading == reading)
                #expect(Array(inPlace[0..<packet.count]) == packet)  // the P bit included: padding leaves it
                #expect(inPlace[packet.count..<n].allSatisfy { $0 == 0 })
                // A wrong passphrase finds no plausible header and leaves the buffer alone (almost always:
                // 1 in 4 random first bytes start with version 2, so check the whole outcome only).
                let wrong = try RTPMEContext(base64Passphrase: "d3JvbmcA", provider: p)
                var other = wire
                let w = try other.withUnsafeMutableBytes { try wrong.unprotect($0, length: n, kind: kind) }
                if w.reading == nil { #expect(other == wire) } else { #expect(other != packet + []) }
            }
        }
        // A length that is not a multiple of 8 is refused.
        let receiver = try RTPMEContext(base64Passphrase: passphrase, provider: p)
        var odd = [UInt8](repeating: 0, count: 13)
        #expect(
            try odd.withUnsafeMutableBytes { try receiver.unprotect($0, length: 13, kind: .rtp) }.plaintextLength == nil
        )
    }
}
