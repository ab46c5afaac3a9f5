// swift-tools-version: 5.4
// libFuzzer targets for srtpdump's parsers (issue 7, Docs/robustness.md).
//
// A nested package, so the main build never compiles them. Built only by `make fuzz` / `make fuzz-ci`:
//   swift build --build-path .build-fuzz -c release \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//
// Why tools version 5.4: from 5.5 on, SwiftPM renames an executable's entry point to `<module>_main`
// and links with `--defsym main=<module>_main` (so tests can import executables). A fuzz target has
// no `main` of its own (libFuzzer's runtime supplies it), so the link fails with "undefined symbol
// 'frame_decoder_main'". Under 5.4 SwiftPM does no renaming and libFuzzer's `main` is used.
import PackageDescription

let srtpdump = Target.Dependency.product(name: "SRTPDump", package: "srtpdump")

/// One executable per fuzz target; each defines `LLVMFuzzerTestOneInput` and nothing else.
func fuzzTarget(_ name: String) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport", srtpdump])
}

let package = Package(
    name: "srtpdump-fuzz",
    dependencies: [.package(name: "srtpdump", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        fuzzTarget("frame-decoder"),
        fuzzTarget("tcp-reassembler"),
        fuzzTarget("sip"),
        fuzzTarget("sdp"),
        fuzzTarget("capture-file"),
        fuzzTarget("rtp-rtcp-stun"),
        fuzzTarget("unprotect"),
        fuzzTarget("key-input"),
        fuzzTarget("dtls-handshake"),
        fuzzTarget("decrypt-pass"),
        fuzzTarget("dissect-pass"),
    ]
)
