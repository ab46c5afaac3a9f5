import Benchmark
import Crypto
import SRTPDump
import Transforms

// The benchmarks of Docs/PERFORMANCE.md. Each names what is inside its timed loop; everything else
// (generating the capture, building contexts, protecting the packets) happens in `setup`.
//
// Per-frame and per-packet benchmarks run 1,000 operations per iteration with scaling factor `.kilo`:
// `swift package benchmark --scale` then prints ns and mallocs per frame/packet.

/// Wall clock, CPU time, throughput and mallocs (the malloc count proves "no per-packet allocation").
let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: metrics, warmupIterations: 3, maxDuration: .seconds(3), maxIterations: 10_000)

    let perFrame = Benchmark.Configuration(
        metrics: metrics, warmupIterations: 10, scalingFactor: .kilo, maxDuration: .seconds(3),
        setup: { try Fixtures.prepareCapture() })
    let perFile = Benchmark.Configuration(
        metrics: metrics, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20,
        setup: { try Fixtures.prepareCapture() })

    // classify: FrameDecoder over 1,000 in-memory Ethernet/IPv4/UDP/RTP frames (every 50th RTCP), the
    // result decoded in place into one reused DecodedFrame.
    Benchmark("classify", configuration: perFrame) { benchmark in
        let frames = Fixtures.frames
        let decoder = FrameDecoder()
        var out = DecodedFrame(frameNumber: 0)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            decoder.decode(frames[i], into: &out)
            blackHole(out.classification.kind)
        }
        benchmark.stopMeasurement()
    }

    // read+classify: CaptureReader + FrameDecoder over the 100,000-frame capture (one iteration = the file).
    Benchmark("read+classify (100k frames)", configuration: perFile) { benchmark in
        let reader = try CaptureReader(path: Fixtures.capturePath)
        let decoder = FrameDecoder()
        var frame = Frame()
        var out = DecodedFrame(frameNumber: 0)
        var rtp = 0
        while reader.next(into: &frame) {
            decoder.decode(frame, into: &out)
            if out.classification.kind == .rtp { rtp += 1 }
        }
        blackHole(rtp)
    }

    // dissect-json: the whole `srtpdump dissect --format json` pipeline to /dev/null (one iteration = the file).
    Benchmark("dissect-json (100k frames)", configuration: perFile) { benchmark in
        var options = DissectPipeline.Options(capturePath: Fixtures.capturePath)
        options.format = .json
        let output = try OutputStream(path: "/dev/null")
        let errors = try OutputStream(path: "/dev/null")
        let summary = try DissectPipeline(options: options).run(output: output, errors: errors)
        blackHole(summary.framesShown)
    }

    for name in CryptoProviders.names {
        // crypto-bare: the provider alone, contexts reused: AES-128-CTR over 160 bytes, then HMAC-SHA1
        // over 172 bytes (reset, update, finalize): what one AES_CM_128_HMAC_SHA1_80 packet costs at least.
        Benchmark("crypto-bare/\(name)", configuration: .init(metrics: metrics, scalingFactor: .kilo)) {
            benchmark in
            let provider = try CryptoProviders.named(name)
            let ctr = try provider.makeAESCounterMode(key: [UInt8](repeating: 0x2B, count: 16))
            let mac = try provider.makeHMACSHA1(key: [UInt8](repeating: 0x3C, count: 20))
            var packet = Fixtures.rtpPacket()  // 172 bytes
            var iv = [UInt8](repeating: 0xF0, count: 16)
            var digest = [UInt8](repeating: 0, count: 20)
            try packet.withUnsafeMutableBytes { p in
                try iv.withUnsafeMutableBytes { ivp in
                    try digest.withUnsafeMutableBytes { d in
                        let payload = UnsafeMutableRawBufferPointer(rebasing: p[12..<172])
                        benchmark.startMeasurement()
                        for i in benchmark.scaledIterations {
                            ivp[15] = UInt8(truncatingIfNeeded: i)  // a new IV per packet, as SRTP has
                            try ctr.apply(iv: UnsafeRawBufferPointer(ivp), to: payload)
                            try mac.reset()
                            try mac.update(UnsafeRawBufferPointer(p))
                            try mac.finalize(into: d)
                        }
                        benchmark.stopMeasurement()
                    }
                }
            }
            blackHole(digest)
        }

        // crypto-bare-gcm: AES-128-GCM open of 160 bytes with a 12-byte AAD and a 16-byte tag; the tag is
        // valid (sealed in setup), and the ciphertext is restored from a copy before each open.
        Benchmark(
            "crypto-bare-gcm/\(name)", configuration: .init(metrics: metrics, scalingFactor: .kilo)
        ) {
            benchmark in
            let provider = try CryptoProviders.named(name)
            let gcm = try provider.makeAESGCM(key: [UInt8](repeating: 0x2B, count: 16))
            let iv = [UInt8](repeating: 0x11, count: 12)
            var sealed = Fixtures.rtpPacket()
            var tag = [UInt8](repeating: 0, count: 16)
            try sealed.withUnsafeMutableBytes { p in
                try tag.withUnsafeMutableBytes { t in
                    try iv.withUnsafeBytes { ivp in
                        try gcm.seal(
                            iv: ivp, aad: UnsafeRawBufferPointer(rebasing: p[0..<12]),
                            data: UnsafeMutableRawBufferPointer(rebasing: p[12..<172]), tag: t)
                    }
                }
            }
            var work = sealed
            var ok = true
            try work.withUnsafeMutableBytes { w in
                try sealed.withUnsafeBytes { s in
                    try tag.withUnsafeBytes { t in
                        try iv.withUnsafeBytes { ivp in
                            let data = UnsafeMutableRawBufferPointer(rebasing: w[12..<172])
                            benchmark.startMeasurement()
                            for _ in benchmark.scaledIterations {
                                w.copyMemory(from: s)
                                ok =
                                    try gcm.open(
                                        iv: ivp, aad: UnsafeRawBufferPointer(rebasing: w[0..<12]), data: data, tag: t)
                                    && ok
                            }
                            benchmark.stopMeasurement()
                        }
                    }
                }
            }
            guard ok else { throw BenchError("crypto-bare-gcm/\(name): tag did not verify") }
        }

        // unprotect: Transforms' SRTP unprotect of one packet protected once in setup. Each timed step
        // copies the protected packet into the work buffer (memcpy of 182 or 188 bytes) and unprotects it
        // in place: index estimation, replay check (the repeated packet reads as a replay, which changes
        // only the verdict), MAC or GCM tag check, decryption.
        for suite in [SRTPSuite.aesCM128HMACSHA1_80, .aeadAES128GCM] {
            Benchmark(
                "unprotect/\(suite.name)/\(name)",
                configuration: .init(metrics: metrics, scalingFactor: .kilo)
            ) {
                benchmark in
                let provider = try CryptoProviders.named(name)
                let policy = Fixtures.policy(suite)
                let sender = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: provider)
                let protected = try sender.protectRTP(Fixtures.rtpPacket(), roc: 0)
                let receiver = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: provider)
                var work = protected
                var authentic = 0
                try work.withUnsafeMutableBytes { w in
                    try protected.withUnsafeBytes { s in
                        benchmark.startMeasurement()
                        for _ in benchmark.scaledIterations {
                            w.copyMemory(from: s)
                            let r = try receiver.unprotectRTP(w, length: s.count)
                            if r.plaintextLength == 172 { authentic += 1 }
                        }
                        benchmark.stopMeasurement()
                    }
                }
                guard authentic == benchmark.scaledIterations.count else {
                    throw BenchError("unprotect/\(suite.name)/\(name): \(authentic) packets authenticated")
                }
            }
        }
    }
}
