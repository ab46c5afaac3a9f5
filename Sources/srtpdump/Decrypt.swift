import ArgumentParser
import SRTPDump

extension StreamsReportWriter.Format: ExpressibleByArgument {}

/// Options shared by `decrypt` and `streams`.
struct DecryptOptions: ParsableArguments {
    @Option(help: "Report format.")
    var format: StreamsReportWriter.Format = .text

    @Option(help: CryptoProviderName.help)
    var crypto: CryptoProviderName?

    @OptionGroup var keyOptions: KeyOptions

    func run(capture: CaptureOptions, output: String?) throws {
        ignoreBrokenPipe()
        // ^C during `-w FILE` removes the temporary file the capture is being written to.
        if output != nil { InterruptCleanup.installHandlers() }
        let errors = capture.stream(2)
        // One pass: the signalling (SIP/SDP in the capture) grows the key book as the frames go by, after
        // --key, --keys and --signalling, read before the first frame.
        var options = DecryptPipeline.Options(capturePath: capture.capture)
        options.outputPath = output
        options.filter = capture.filter
        options.format = format
        options.cryptoProvider = crypto?.name
        options.signalling = keyOptions.inputs
        try capture.limits.resolved().apply(to: &options)
        let summary: DecryptPipeline.Summary
        do {
            // With the capture itself on standard output (-w -), the report goes to standard error.
            let report = capture.stream(output == CaptureWriter.standardOutput ? 2 : 1)
            summary = try DecryptPipeline(options: options).run(output: report, errors: errors)
        } catch {
            throw failureExit(reporting: error, to: errors)
        }
        for d in summary.signallingDiagnostics where d.severity != .note {
            errors.write("srtpdump: \(d.severity.rawValue): \(d)\n")
        }
        errors.flush()
        if summary.exitStatus != .success { throw ExitCode(summary.exitStatus) }
    }
}

/// `--crypto NAME` (decrypt, streams, dissect), checked while the command line is parsed, so that a
/// misspelt provider is a usage error (exit 64) naming the choices rather than a failed run.
struct CryptoProviderName: ExpressibleByArgument {
    let name: String

    init?(argument: String) {
        guard cryptoProviderNames.contains(argument) else { return nil }
        name = argument
    }

    static var allValueStrings: [String] { cryptoProviderNames }

    // The parser appends the choices ("values: openssl, gcrypt").
    static let help = ArgumentHelp("Crypto provider (default \(defaultCryptoProviderName)).", valueName: "name")
}

/// What srtpdump says of a failure. Under --redact-keys a key option's error leaves out the text it
/// quotes (a mistyped key is still key material) and gives its fingerprint instead.
func failureText(_ error: any Error, redacting: Bool) -> String {
    if redacting, let failure = error as? SignallingTracker.Failure, case .keys(let e) = failure {
        return KeyRedaction.redact(e)
    }
    return "\(error)"
}

/// Prints why a pipeline could not run and gives its exit status: 64 (EX_USAGE) for an unusable key
/// option, 2 when the capture (or the output) could not be read or written (Docs/cli.md, exit statuses).
func failureExit(reporting error: any Error, to errors: OutputStream) -> ExitCode {
    errors.write("srtpdump: \(failureText(error, redacting: errors.redactsKeys))\n")
    errors.flush()
    if let failure = error as? SignallingTracker.Failure, case .keys = failure { return ExitCode(64) }
    return ExitCode(.inputUnreadable)
}

struct Decrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decrypt the media of a capture into a new capture, and report every stream.",
        discussion: """
            Reads CAPTURE once and writes OUT: the same frames, in order, with their timestamps and link \
            framing, every SRTP/SRTCP/SSRTP/MS-RTPME packet that authenticated replaced by its plaintext \
            (lengths and checksums fixed), everything else unchanged. pcap in gives pcap out, pcapng in \
            gives pcapng out; OUT may not be CAPTURE; OUT - writes to standard output, as the frames are \
            decided. Then prints the streams report (Docs/decrypt.md), on standard error when OUT is -.

            Exit status: 0 every keyed packet authenticated; 1 some failed, or a stream signalled as \
            protected had no usable key; 2 the input could not be read.

            Keys come from the SDP in the capture and from --key, --keys and --signalling; DTLS-SRTP keys from \
            a TLS key log (--tls-keylog) or exported keying material (--dtls-srtp-material); keys in a media \
            server's log from --keys-from-log (Docs/key-formats.md).

            Examples:
              srtpdump decrypt call.pcap -w plain.pcap
              srtpdump decrypt call.pcapng -w plain.pcapng --format json
              srtpdump decrypt call.pcap -w - | wireshark -k -i -
              srtpdump decrypt midcall.pcap -w plain.pcap --key AES_CM_128_HMAC_SHA1_80:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz
              srtpdump decrypt webrtc.pcap -w plain.pcap --tls-keylog sslkeys.log
              srtpdump decrypt dsrtp-av.pcap -w plain.pcap --dtls-srtp-material dsrtp-av_material.hex
            """
    )

    @OptionGroup var input: CaptureOptions

    @Option(
        name: .customShort("w"),
        help: ArgumentHelp("Where to write the decrypted capture; - for standard output (the report then goes to standard error).", valueName: "out"))
    var output: String

    @OptionGroup var decrypt: DecryptOptions

    func run() throws { try decrypt.run(capture: input, output: output) }
}
