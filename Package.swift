// swift-tools-version: 6.1
// srtpdump: a packet analyzer and offline decryptor for secure VoIP media.
//
// The targets follow the pipeline (see Docs/architecture.md):
//   Capture → Datagrams → Signalling → KeyBook → Transforms (on Crypto) → Analysis → Output,
// wired together by SRTPDump, with `srtpdump` a thin command-line shell on top.
import PackageDescription

let package = Package(
    name: "srtpdump",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "srtpdump", targets: ["srtpdump"]),
        .executable(name: "srtpdump-synth", targets: ["srtpdump-synth"]),
        .library(name: "SRTPDump", targets: ["SRTPDump"]),
        // The stages on their own, for the benchmarks package (Benchmarks/), which measures Crypto and
        // Transforms directly; SRTPDump re-exports only Capture, Datagrams and Output.
        .library(name: "SRTPDumpCore", targets: ["Capture", "Datagrams", "Crypto", "Transforms"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries, each behind its own system-library module.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CGcrypt", pkgConfig: "libgcrypt", providers: [.apt(["libgcrypt20-dev"])]),
        // libsrtp is a test oracle only: no product links it.
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        // gcry_control is variadic and cannot be called from Swift: a tiny shim.
        .target(name: "CGcryptShim", dependencies: ["CGcrypt"]),

        // The pipeline.
        // The SIGBUS guard of mapped capture files (a signal handler, hence C).
        .target(name: "CMappingGuard"),
        .target(name: "Capture", dependencies: ["CPcap", "CMappingGuard"]),
        .target(name: "Datagrams", dependencies: ["Capture"]),
        .target(name: "Signalling", dependencies: ["Capture", "Datagrams", "Transforms"]),
        .target(name: "Crypto", dependencies: ["COpenSSL", "CGcrypt", "CGcryptShim"]),
        .target(name: "Transforms", dependencies: ["Crypto"]),
        .target(name: "KeyBook", dependencies: ["Signalling", "Transforms"]),
        // DTLS-SRTP: handshakes followed in the capture, keys from a TLS key log (RFC 5764, RFC 5705).
        .target(name: "DTLSSRTP", dependencies: ["Capture", "Datagrams", "Signalling", "KeyBook", "Crypto"]),
        .target(name: "Analysis", dependencies: ["Datagrams", "KeyBook", "Transforms"]),
        .target(name: "Output", dependencies: ["Capture", "Datagrams", "Signalling", "KeyBook", "Analysis", "DTLSSRTP", "COpenSSL"]),
        .target(name: "SRTPDump", dependencies: [
            "Capture", "Datagrams", "Signalling", "KeyBook", "Crypto", "Transforms", "Analysis", "Output", "DTLSSRTP",
        ]),
        .executableTarget(name: "srtpdump", dependencies: [
            "SRTPDump",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The capture synthesizer: a second executable, so that only it (and tests) link libsrtp, which
        // encrypts the corpus independently of our own transforms.
        .target(name: "LibsrtpRuntime", dependencies: ["CSRTP"]),
        .target(name: "Synth", dependencies: ["Capture", "Datagrams", "Crypto", "Transforms", "CSRTP", "LibsrtpRuntime", "COpenSSL"]),
        .executableTarget(name: "srtpdump-synth", dependencies: [
            "Synth",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by the test targets (seeded generator, hex, the shared vectors and captures).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // A per-thread malloc counter interposed in the test executable: proves "no allocation per packet".
        .target(name: "MallocCounter", path: "Tests/MallocCounter"),

        // Tests: one target per module, the libsrtp oracle, and end-to-end CLI tests.
        .testTarget(name: "KeyBookTests", dependencies: ["KeyBook", "Signalling"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture"]),
        .testTarget(name: "DatagramsTests", dependencies: ["TestSupport", "Datagrams", "Capture"]),
        .testTarget(name: "SignallingTests", dependencies: ["TestSupport", "Signalling"]),
        .testTarget(name: "CryptoTests", dependencies: ["TestSupport", "MallocCounter", "Crypto"]),
        .testTarget(name: "TransformsTests", dependencies: ["TestSupport", "MallocCounter", "Transforms", "Crypto"]),
        .testTarget(name: "LibsrtpOracleTests", dependencies: ["TestSupport", "CSRTP", "LibsrtpRuntime", "Transforms", "Crypto"]),
        .testTarget(name: "OutputTests", dependencies: ["Output", "Capture", "Datagrams"]),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "Transforms", "srtpdump-synth"]),
        .testTarget(name: "AnalysisTests", dependencies: ["TestSupport", "Analysis", "Synth", "SRTPDump"]),
        .testTarget(name: "DTLSSRTPTests", dependencies: [
            "TestSupport", "DTLSSRTP", "KeyBook", "Crypto", "Capture", "Datagrams", "SRTPDump", "Synth", "Transforms",
            "Analysis",
        ]),
        // Golden files are read by path (#filePath), not as bundle resources.
        .testTarget(
            name: "EndToEndTests", dependencies: ["TestSupport", "SRTPDump", "Signalling", "KeyBook", "srtpdump"],
            exclude: ["Golden"]),
    ]
)
