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

    /// What the argument parser does not do for us, before it runs:
    /// - `--limit help` lists the limits without a capture (the parser would first ask for the missing
    ///   argument, and a subcommand's `validate` comes after that);
    /// - no subcommand at all, or `help` of a subcommand that does not exist, is a usage error (64) with
    ///   the usage on stderr, not help on stdout with status 0, so a script's mistake does not pass.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if LimitOptions.asksForHelp(arguments) {
            print(ResourceLimits.helpText(), terminator: "")
            Self.exit()
        }
        let names = configuration.subcommands.map { $0._commandName }
        if arguments.isEmpty {
            Self.exit(withError: ValidationError("no subcommand: give one of \(names.joined(separator: ", ")) (srtpdump --help)"))
        }
        if arguments.first == "help", arguments.count > 1, !names.contains(arguments[1]) {
            Self.exit(withError: ValidationError("no subcommand \(arguments[1]): give one of \(names.joined(separator: ", "))"))
        }
        Self.main(nil)
    }
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
