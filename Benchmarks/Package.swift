// swift-tools-version: 6.1
// The srtpdump benchmarks: a package of their own, so that the main build never compiles the
// benchmark framework. Run with `swift package --disable-sandbox benchmark` here, or `make bench` at the top.
// Figures and how to read them: Docs/PERFORMANCE.md.
import PackageDescription

let package = Package(
    name: "srtpdump-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise known by its folder name, which differs by checkout.
        .package(name: "srtpdump", path: ".."),
        // The malloc interposer counts allocations: the proof that the hot paths allocate nothing per packet.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // A bare loop over SRTP unprotect for `perf record` (see its main.swift; Docs/PERFORMANCE.md).
        .executableTarget(
            name: "unprotect-loop",
            dependencies: [.product(name: "SRTPDumpCore", package: "srtpdump")],
            path: "Profile/unprotect-loop"
        ),
        // The benchmark plugin finds its targets under Benchmarks/<name>/ of this package.
        .executableTarget(
            name: "SRTPDumpBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SRTPDump", package: "srtpdump"),
                .product(name: "SRTPDumpCore", package: "srtpdump"),
            ],
            path: "Benchmarks/SRTPDumpBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A bare loop over the decoder for `perf record` (see its main.swift).
        .executableTarget(
            name: "classify-loop",
            dependencies: [.product(name: "SRTPDump", package: "srtpdump")],
            path: "Profile/classify-loop"
        ),
        // bench-500k's bare crypto loop (AES-CTR 160 bytes + HMAC-SHA1 172 bytes per packet), timed by
        // bench-500k.sh in the same run as `srtpdump decrypt` and the libsrtp baseline.
        .executableTarget(
            name: "crypto-loop",
            dependencies: [.product(name: "SRTPDumpCore", package: "srtpdump")],
            path: "Profile/crypto-loop"
        ),
    ]
)
