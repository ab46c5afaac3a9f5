// A plain loop for `perf record`: SRTP unprotect of one 172-byte RTP packet (protected once), copied into a
// work buffer and unprotected in place, repeated; the benchmark harness's threads and setup stay out of
// the profile. Docs/PERFORMANCE.md ("Where the unprotect time goes") was made with it.
//
//   swift build -c release --product unprotect-loop
//   perf record -g .build/release/unprotect-loop AES_CM_128_HMAC_SHA1_80 gcrypt 5000000
//   perf report --no-children
import Crypto
import Foundation
import Transforms

let arguments = CommandLine.arguments
guard arguments.count >= 3, let suite = SRTPSuite.named(arguments[1]) else {
    print("usage: unprotect-loop SUITE PROVIDER [PACKETS]")
    exit(2)
}
let count = arguments.count > 3 ? Int(arguments[3]) ?? 1_000_000 : 1_000_000
do {
    let provider = try CryptoProviders.named(arguments[2])
    let key = (0..<suite.keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    let salt = (0..<suite.saltLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
    let policy = SRTPPolicy(suite: suite, keys: [MasterKey(key: key, salt: salt)])
    var rtp: [UInt8] = [0x80, 8, 0xFD, 0xE8, 0, 0, 0x0F, 0xA0, 0xDE, 0xAD, 0xBE, 0xEF]
    rtp += (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    let wire = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: provider).protectRTP(rtp, roc: 0)
    let receiver = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: provider)
    let work = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
    var good = 0
    let cpu0 = cpuNanoseconds()
    let start = ContinuousClock.now
    for _ in 0..<count {
        work.copyBytes(from: wire)
        if try receiver.unprotectRTP(work, length: wire.count).plaintextLength == rtp.count { good += 1 }
    }
    let elapsed = ContinuousClock.now - start
    let cpu = cpuNanoseconds() - cpu0
    let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    // CPU time too: on a shared machine, wall time counts the other processes' turns (classify-loop and
    // Benchmarks/classify-vs-unprotect.sh compare CPU times).
    print(
        "\(good)/\(count) authenticated, \(Int(ns / Double(count))) ns per packet (wall), "
            + "\(Int(cpu / Double(count))) ns per packet CPU")
} catch {
    print("unprotect-loop: \(error)")
    exit(1)
}

/// This process's CPU time in nanoseconds.
func cpuNanoseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
}
