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

            With keys (any key option: --key, --keys, --signalling, --tls-keylog, --dtls-srtp-material, \
            --keys-from-log; or --crypto, or --srtp for the capture's own SDP alone), \
            each media packet also shows its SRTP/SRTCP fields (ROC and index, SRTCP E flag and index, MKI, \
            tag on the wire and as computed), the outcome, the key with the frame it came from, and the \
            decrypted RTP payload or RTCP compound.

            Examples:
              srtpdump dissect call.pcap
              srtpdump dissect call.pcapng -f "udp port 5060" --verbose
              srtpdump dissect call.pcap --format json | jq -c 'select(.rtp) | .rtp.seq'
              srtpdump dissect call.pcap --srtp --verbose          (keys from the capture's SDP)
              srtpdump dissect midcall.pcap --key AES_CM_128_HMAC_SHA1_80:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz --format json
            """
    )

    @OptionGroup var input: CaptureOptions

    @Option(help: "Output format.")
    var format: DissectionFormat = .text

    @Flag(name: .shortAndLong, help: "Print the layer tree of every frame (text format).")
    var verbose = false

    @Flag(
        name: .customLong("srtp"),
        help: "Analyse media packets as SRTP/SRTCP even without key options (the capture's own SDP gives keys).")
    var srtp = false

    @Option(help: CryptoProviderName.help)
    var crypto: CryptoProviderName?

    @OptionGroup var keyOptions: KeyOptions

    func run() throws {
        ignoreBrokenPipe()
        var options = DissectPipeline.Options(capturePath: input.capture)
        options.filter = input.filter
        options.format = format
        options.verbose = verbose
        // Any key option (or --srtp, --crypto) turns on the media analysis (Docs/cli.md, dissect with keys).
        if srtp || crypto != nil || keyOptions.givesAny {
            var media = DissectPipeline.MediaOptions()
            media.signalling = keyOptions.inputs
            media.cryptoProvider = crypto?.name
            options.media = media
        }
        try input.limits.resolved().apply(to: &options)
        let errors = input.stream(2)
        let summary: DissectPipeline.Summary
        do {
            summary = try DissectPipeline(options: options).run(output: input.stream(), errors: errors)
        } catch {
            throw failureExit(reporting: error, to: errors)
        }
        if summary.captureUnreadable { throw ExitCode(.inputUnreadable) }
    }
}
