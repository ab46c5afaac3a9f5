// Fuzz target: every packet transform unprotecting hostile packets under a fixed key: SRTP with each
// suite (AES-CM 128/192/256, AES-GCM 128/256, F8, NULL; 80- and 32-bit tags), SRTCP, Microsoft SSRTP
// and MS-RTPME (both readings), with and without MKI, with cryptex and encrypted header extensions.
//
// Input: byte 0 picks the transform (low 4 bits: 0–10 an SRTP suite in `SRTPSuite.all` order, 11–12
// SSRTP, 13–15 RTPME); bit 4 RTCP instead of RTP, bit 5 MKIs, bit 6 cryptex and encrypted extension
// ids 1 and 2, bit 7 plaintext on tag failure. Byte 1 bit 0 picks the crypto provider. Then packets,
// each behind a 2-byte length, unprotected in order by one context (ROC estimation, replay window).
//
// With SRTPDUMP_FUZZ_WRITE_SEEDS=<dir> in the environment, the first run writes valid protected
// packets for every transform into <dir> (the seed corpus); run it with -runs=1.
#if canImport(Glibc)
import Glibc
#endif
import Crypto
import FuzzSupport
import Transforms

private let providers: [any CryptoProvider] = (try? CryptoProviders.all) ?? []

/// The fixed master key of suite `suite`: bytes 0, 1, 2, … (salt continuing the count), MKI `index`.
private func masterKey(_ suite: SRTPSuite, mkiLength: Int, index: UInt8) -> MasterKey {
    let key = (0..<suite.keyLength).map { UInt8(truncatingIfNeeded: $0) }
    let salt = (0..<suite.saltLength).map { UInt8(truncatingIfNeeded: 0x40 + $0) }
    let mki = mkiLength == 0 ? [] : [UInt8](repeating: 0, count: mkiLength - 1) + [index]
    return MasterKey(key: key, salt: salt, mki: mki)
}

private func policy(_ suite: SRTPSuite, mki: Bool, cryptex: Bool) -> SRTPPolicy {
    let keys = mki ? [masterKey(suite, mkiLength: 4, index: 1), masterKey(suite, mkiLength: 4, index: 2)]
        : [masterKey(suite, mkiLength: 0, index: 0)]
    return SRTPPolicy(suite: suite, keys: keys, cryptex: cryptex, encryptedExtensionIDs: cryptex ? [1, 2] : [])
}

private func ssrtpKeys() -> [MasterKey] {
    [masterKey(.aesCM128HMACSHA1_80, mkiLength: 1, index: 1), masterKey(.aesCM128HMACSHA1_80, mkiLength: 1, index: 2)]
}

private let rtpmeDigest: [UInt8] = (0..<16).map { UInt8(0xA0 + $0) }

private var seedsWritten = false

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    if !seedsWritten, let dir = getenv("SRTPDUMP_FUZZ_WRITE_SEEDS") {
        seedsWritten = true
        writeSeeds(to: String(cString: dir))
    }
    var input = FuzzInput(start, count)
    let selector = input.byte()
    let providerChoice = input.byte()
    guard !providers.isEmpty else { return 0 }
    let provider = providers[Int(providerChoice & 1) % providers.count]
    let transform = Int(selector & 0x0F)
    let rtcp = selector & 0x10 != 0
    let options = UnprotectOptions(plaintextOnFailure: selector & 0x80 != 0)
    let packets = input.chunks(limit: 32)

    do {
        if transform < SRTPSuite.all.count {
            let session = try SRTPSession(
                policy: policy(SRTPSuite.all[transform], mki: selector & 0x20 != 0, cryptex: selector & 0x40 != 0),
                provider: provider)
            for p in packets {
                var buffer = Array(p)
                _ = try buffer.withUnsafeMutableBytes {
                    rtcp ? try session.unprotectRTCP($0, length: p.count, options: options)
                        : try session.unprotectRTP($0, length: p.count, options: options)
                }
            }
        } else if transform < 13 {
            let context = try SSRTPContext(keys: ssrtpKeys(), provider: provider, initialESN: 1 << 20)
            for p in packets {
                var buffer = Array(p)
                _ = try buffer.withUnsafeMutableBytes {
                    rtcp ? try context.rtcp.unprotectRTCP($0, length: p.count, options: options)
                        : try context.unprotect($0, length: p.count, options: options)
                }
            }
        } else {
            let context = try RTPMEContext(digest: rtpmeDigest, provider: provider)
            for p in packets {
                var buffer = Array(p)
                _ = try buffer.withUnsafeMutableBytes {
                    try context.unprotect($0, length: p.count, kind: rtcp ? .rtcp : .rtp, options: options)
                }
            }
        }
    } catch {
        // A thrown error is an allowed outcome (a provider failure); only crashes, leaks and hangs count.
    }
    return 0
}

// MARK: - Seeds

/// An RTP packet: V=2, PT 0, sequence `seq`, SSRC 0xCAFEBABE, optionally a one-byte-header extension
/// with elements 1 and 2 (RFC 8285 §4.2), 20 bytes of payload.
private func rtpPacket(seq: UInt16, extensions: Bool) -> [UInt8] {
    var p: [UInt8] = [extensions ? 0x90 : 0x80, 0x00, UInt8(seq >> 8), UInt8(seq & 0xFF), 0, 0, 0x10, 0, 0xCA, 0xFE, 0xBA, 0xBE]
    if extensions { p += [0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAA, 0x21, 0xBB, 0xCC, 0x00, 0x00, 0x00] }
    return p + (0..<20).map { UInt8($0) }
}

/// An RTCP receiver report with one report block (RFC 3550 §6.4.2), SSRC 0xCAFEBABE.
private let rtcpPacket: [UInt8] =
    [0x81, 0xC9, 0x00, 0x07, 0xCA, 0xFE, 0xBA, 0xBE] + [0x11, 0x22, 0x33, 0x44] + [UInt8](repeating: 0x05, count: 20)

private func writeSeeds(to dir: String) {
    guard let provider = providers.first else { return }
    func save(_ name: String, _ selector: UInt8, _ packets: [[UInt8]]) {
        let bytes = [selector, 0] + lengthPrefixed(packets)
        guard let f = fopen(dir + "/" + name, "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
    for (i, suite) in SRTPSuite.all.enumerated() {
        for (mki, cryptex) in [(false, false), (true, false), (false, true)] {
            guard let session = try? SRTPSession(policy: policy(suite, mki: mki, cryptex: cryptex), provider: provider),
                let stream = try? session.stream(0xCAFE_BABE)
            else { continue }
            let flags = UInt8(i) | (mki ? 0x20 : 0) | (cryptex ? 0x40 : 0)
            let rtp = (0..<3).compactMap { try? stream.protectRTP(rtpPacket(seq: 65534 &+ UInt16($0), extensions: cryptex), roc: 0) }
            save("srtp-\(suite.name)\(mki ? "-mki" : "")\(cryptex ? "-cryptex" : "")", flags, rtp)
            let rtcp = (1..<3).compactMap { try? stream.protectRTCP(rtcpPacket, index: UInt32($0)) }
            save("srtcp-\(suite.name)\(mki ? "-mki" : "")\(cryptex ? "-cryptex" : "")", flags | 0x10, rtcp)
        }
    }
    if let context = try? SSRTPContext(keys: ssrtpKeys(), provider: provider, initialESN: 1 << 20) {
        let rtp = (0..<3).compactMap { try? context.protect(rtpPacket(seq: 100 + UInt16($0), extensions: false), roc: 0) }
        save("ssrtp", 11, rtp)
        if let stream = try? context.rtcp.stream(0xCAFE_BABE) {
            save("ssrtcp", 11 | 0x10, (1..<3).compactMap { try? stream.protectRTCP(rtcpPacket, index: UInt32($0)) })
        }
    }
    if let context = try? RTPMEContext(digest: rtpmeDigest, provider: provider) {
        for reading in RTPMEKey.Reading.allCases {
            for (kind, packet, flag) in [(RTPMEContext.PacketKind.rtp, rtpPacket(seq: 7, extensions: false), UInt8(0)),
                                         (.rtcp, rtcpPacket, 0x10)] {
                var buffer = packet + [UInt8](repeating: 0, count: 8)
                if let n = try? buffer.withUnsafeMutableBytes({ try context.protect($0, length: packet.count, reading: reading) }) {
                    save("rtpme-\(reading.rawValue)-\(kind == .rtp ? "rtp" : "rtcp")", 13 | flag, [Array(buffer[0..<n])])
                }
            }
        }
    }
}
