import ArgumentParser
import SRTPDump

#if canImport(Glibc)
    import Glibc
#endif

@main
struct SRTPDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "srtpdump",
        abstract: "Analyze and decrypt secure VoIP media (SRTP, SRTCP, SSRTP, MS-RTPME) in packet captures.",
        discussion: """
            srtpdump reads pcap and pcapng captures of any common link layer, follows SIP/SDP \
            signalling, and dissects, decrypts and reports on the media.

            Exit status: 0 success; 1 some keyed packets failed authentication; 2 the input could \
            not be read; 64 a usage error.
            """,
        version: srtpdumpVersion,
        subcommands: [Dissect.self, Calls.self, Keys.self, Decrypt.self, Streams.self]
    )
}

/// Options every subcommand that reads a capture shares.
struct CaptureOptions: ParsableArguments {
    @Argument(help: "The capture to read (pcap or pcapng).", completion: .file(extensions: ["pcap", "pcapng", "cap"]))
    var capture: String

    @Option(name: .shortAndLong, help: ArgumentHelp("A BPF filter (tcpdump syntax) selecting the frames shown or analysed; decrypt, streams and dissect still read every frame's signalling for keys.", valueName: "expression"))
    var filter: String?

    @OptionGroup var limits: LimitOptions

    @Flag(
        name: .customLong("redact-keys"),
        help: "Replace key material in every report and dissection by a fingerprint (key#xxxxxxxx, SHA-256 of key‖salt).")
    var redactKeys = false
}

extension DissectionFormat: ExpressibleByArgument {}

extension CaptureOptions {
    /// Standard output (1) or error (2), replacing key material by fingerprints under --redact-keys.
    func stream(_ fd: Int32 = 1) -> OutputStream {
        let s = OutputStream(fd: fd)
        s.redactsKeys = redactKeys
        return s
    }
}

extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}

/// Makes a write to a closed pipe (`srtpdump … | head`) end output quietly instead of killing the process.
func ignoreBrokenPipe() {
    signal(SIGPIPE, SIG_IGN)
}
