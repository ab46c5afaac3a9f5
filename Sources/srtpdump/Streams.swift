import ArgumentParser
import SRTPDump

struct Streams: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report every media stream of a capture (what decrypt reports, without writing a capture).",
        discussion: """
            Per stream: SSRC, protocol, addresses, suite, packets, authenticated, failed, replayed, ROC, \
            the key and where it came from, lost, sequence errors, maximum delta and jitter (as tshark's \
            -z rtp,streams), and for failures the diagnosis (Docs/decrypt.md).

            Exit status: 0 every keyed packet authenticated; 1 some failed, or a stream signalled as \
            protected had no usable key; 2 the input could not be read.

            Examples:
              srtpdump streams call.pcap
              srtpdump streams call.pcap --format json | jq '.streams[] | select(.auth_failed > 0)'
              srtpdump streams tls-signalled.pcap --signalling sip.log --crypto openssl
              srtpdump streams midcall.pcap --keys keys.json --limit roc-search-seconds=10
            """
    )

    @OptionGroup var input: CaptureOptions

    @OptionGroup var decrypt: DecryptOptions

    func run() throws { try decrypt.run(capture: input, output: nil) }
}
