import ArgumentParser
import SRTPDump

struct Calls: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the SIP dialogs: parties, frames, media lines, negotiated protection, key sources, failures.",
        discussion: """
            Follows SIP over UDP and TCP (and messages from --signalling files, counted as frame 0), \
            with RFC 3264 offer/answer: offer in the INVITE or delayed to the 200 OK, 183 early media, \
            forking (one dialog per To-tag), re-INVITE and UPDATE, CANCEL, BYE and failures (488 \
            "Encryption Levels Incompatible" flagged). JSON schema in Docs/json-schema.md.

            Examples:
              srtpdump calls call.pcap
              srtpdump calls tls-call.pcap --signalling sip-log.txt --format json
            """
    )

    @OptionGroup var input: CaptureOptions
    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "Output format.")
    var format: DissectionFormat = .text

    func run() throws {
        ignoreBrokenPipe()
        let result = try runSignalling(input: input, keys: keyOptions)
        CallsReport.write(
            result.dialogs, book: result.book, handshakes: result.dtlsHandshakes, origin: result.firstTime,
            format: format, to: input.stream())
        if result.captureUnreadable { throw ExitCode(.inputUnreadable) }
    }
}

/// Runs the signalling pipeline for `calls` and `keys`, printing problems to stderr.
func runSignalling(input: CaptureOptions, keys: KeyOptions) throws -> SignallingPipeline.Result {
    var options = SignallingPipeline.Options(capturePath: input.capture)
    options.filter = input.filter
    options.inputs = keys.inputs
    try input.limits.resolved().apply(to: &options)
    let errors = input.stream(2)
    do {
        let result = try SignallingPipeline(options: options).run()
        for d in result.diagnostics where d.severity != .note {
            errors.write("srtpdump: \(d.severity.rawValue): \(d)\n")
        }
        errors.flush()
        return result
    } catch {
        errors.write("srtpdump: \(failureText(error, redacting: errors.redactsKeys))\n")
        errors.flush()
        switch error {
        case .keys: throw ExitCode(64)
        case .capture: throw ExitCode(.inputUnreadable)
        }
    }
}
