import ArgumentParser
import SRTPDump

struct Dissect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every frame's layers: link, IP, UDP/TCP, RTP/RTCP, SIP, STUN, DTLS, TURN.",
        discussion: """
            Text output gives one summary line per frame (number, relative time, source → destination, \
            protocol, length on the wire, details); --verbose adds the layer tree. JSON output is one \
            object per frame per line (JSON Lines), streamed: memory stays flat on any capture size. \
            The schema is in Docs/json-schema.md.

            Problems found in a frame are printed under it (text) or in its "diagnostics" array (JSON); \
            the dissection always goes on to the end of the file.

            Examples:
              srtpdump dissect call.pcap
              srtpdump dissect call.pcapng -f "udp port 5060" --verbose
              srtpdump dissect call.pcap --format json | jq -c 'select(.rtp) | .rtp.seq'
            """
    )

    @OptionGroup var input: CaptureOptions

    @Option(help: "Output format.")
    var format: DissectionFormat = .text

    @Flag(name: .shortAndLong, help: "Print the layer tree of every frame (text format).")
    var verbose = false

    func run() throws {
        ignoreBrokenPipe()
        var options = DissectPipeline.Options(capturePath: input.capture)
        options.filter = input.filter
        options.format = format
        options.verbose = verbose
        try input.limits.resolved().apply(to: &options)
        let errors = input.stream(2)
        do {
            _ = try DissectPipeline(options: options).run(output: input.stream(), errors: errors)
        } catch {
            errors.write("srtpdump: \(error)\n")
            errors.flush()
            throw ExitCode(.inputUnreadable)
        }
    }
}
