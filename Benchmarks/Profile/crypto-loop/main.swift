// The bare crypto loop of bench-500k (issue 6), as a process of its own so that bench-500k.sh times it in
// the same run as `srtpdump decrypt` and the libsrtp baseline: per packet, AES-128 counter mode over 160
// bytes with a new IV, then HMAC-SHA1 reset/update(172 bytes)/finalize, contexts reused, no parsing or
// I/O. The loop body is the one of the `crypto-bare/<provider>` benchmark (Benchmarks/SRTPDumpBenchmarks,
// issue 3), through the same `CryptoProvider` API that `srtpdump decrypt` uses.
//
//   swift build -c release --product crypto-loop
//   .build/release/crypto-loop gcrypt 500000
import Crypto
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3, let packets = Int(arguments[2]), packets > 0 else {
    print("usage: crypto-loop openssl|gcrypt PACKETS")
    exit(2)
}

/// In a function, not top-level code: top-level variables are globals (exclusivity checks, no registers).
func run(provider name: String, packets: Int) throws -> (wall: Double, cpu: Double, check: UInt8) {
    let provider = try CryptoProviders.named(name)
    let ctr = try provider.makeAESCounterMode(key: [UInt8](repeating: 0x2B, count: 16))
    let mac = try provider.makeHMACSHA1(key: [UInt8](repeating: 0x3C, count: 20))
    var packet = [UInt8](repeating: 0xD5, count: 172)  // a 12-byte RTP header + 160 bytes of G.711
    packet[0] = 0x80
    var iv = [UInt8](repeating: 0xF0, count: 16)
    var digest = [UInt8](repeating: 0, count: 20)
    let cpu0 = clock_gettime_nsec_np_portable(CLOCK_PROCESS_CPUTIME_ID)
    let start = ContinuousClock.now
    try packet.withUnsafeMutableBytes { p in
        try iv.withUnsafeMutableBytes { ivp in
            try digest.withUnsafeMutableBytes { d in
                let payload = UnsafeMutableRawBufferPointer(rebasing: p[12..<172])
                for i in 0..<packets {
                    ivp[14] = UInt8(truncatingIfNeeded: i >> 8)  // a new IV per packet, as SRTP has
                    ivp[15] = UInt8(truncatingIfNeeded: i)
                    try ctr.apply(iv: UnsafeRawBufferPointer(ivp), to: payload)
                    try mac.reset()
                    try mac.update(UnsafeRawBufferPointer(p))
                    try mac.finalize(into: d)
                }
            }
        }
    }
    let elapsed = ContinuousClock.now - start
    let cpu = Double(clock_gettime_nsec_np_portable(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e9
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (wall, cpu, digest[0])
}

func clock_gettime_nsec_np_portable(_ clock: clockid_t) -> UInt64 {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

do {
    let r = try run(provider: arguments[1], packets: packets)
    // One line, parsed by bench-500k.sh; the digest byte keeps the loop from being optimised away.
    print(String(format: "packets %d wall %.3f cpu %.3f digest0 %02x", packets, r.wall, r.cpu, r.check))
} catch {
    print("crypto-loop: \(error)")
    exit(2)
}
