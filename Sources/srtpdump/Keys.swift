import ArgumentParser
import SRTPDump

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every key: who sends with it, to where, from which frame, and where it came from.",
        discussion: """
            One entry per key-param of every a=crypto, a=cryptoscale and k= in the capture's SDP \
            (and in --signalling files), plus the keys given with --key and --keys, the DTLS-SRTP keys \
            derived from --tls-keylog or given with --dtls-srtp-material, and keys found by \
            --keys-from-log. A key protects \
            what its SDP's author sends: "sender" is that author's advertised media address, \
            "destination" the peer's. "selected" marks the lines the answer chose. \
            `keys --format json` writes {"keys": [...]}, which --keys reads back (Docs/json-schema.md).

            Examples:
              srtpdump keys call.pcap
              srtpdump keys call.pcap --format json > keys.json
              srtpdump keys part2.pcap --keys keys.json
              srtpdump keys media-only.pcap --key "AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz ssrc=0x1234abcd"
            """
    )

    @OptionGroup var input: CaptureOptions
    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "Output format.")
    var format: DissectionFormat = .text

    func run() throws {
        ignoreBrokenPipe()
        let result = try runSignalling(input: input, keys: keyOptions)
        KeysReport.write(result.book, format: format, to: input.stream(), redactKeys: input.redactKeys)
        if result.captureUnreadable { throw ExitCode(.inputUnreadable) }
    }
}

/// Options every command that needs keys shares: keys by hand, key files, and side signalling.
/// The grammar of --key is in Docs/key-formats.md.
struct KeyOptions: ParsableArguments {
    @Option(
        name: .customLong("key"),
        help: ArgumentHelp(
            "A key: \"SUITE inline:KEY||SALT\" as in SDP, key‖salt in hex or base64 (\"SUITE:\" prefix optional), or key=… salt=…; scope with ssrc=0x… or addr=IP:PORT. Repeatable.",
            valueName: "spec"))
    var keys: [String] = []

    @Option(
        name: .customLong("keys"),
        help: ArgumentHelp("A key table written by `srtpdump keys --format json`. Repeatable.", valueName: "file"))
    var keyFiles: [String] = []

    @Option(
        name: .customLong("signalling"),
        help: ArgumentHelp(
            "SIP messages or bare SDP bodies (offer, answer, …) read as if before the first frame. Repeatable.",
            valueName: "file"))
    var signalling: [String] = []

    @Option(
        name: .customLong("tls-keylog"),
        help: ArgumentHelp(
            "A TLS key log (NSS format, SSLKEYLOGFILE): CLIENT_RANDOM lines key the DTLS-SRTP handshakes in the capture. Repeatable.",
            valueName: "file"))
    var tlsKeyLogs: [String] = []

    @Option(
        name: .customLong("dtls-srtp-material"),
        help: ArgumentHelp(
            "RFC 5764 keying material, hex or base64, one handshake a line: [PROFILE] MATERIAL [client=IP:PORT server=IP:PORT]. Repeatable.",
            valueName: "file"))
    var dtlsSRTPMaterial: [String] = []

    @Option(
        name: .customLong("keys-from-log"),
        help: ArgumentHelp(
            "A media server's log (rtpengine --log-srtp-keys, FreeSWITCH/Asterisk SDP dumps): every key-shaped token is tried. Repeatable.",
            valueName: "file"))
    var keysFromLog: [String] = []

    /// The options as the pipelines take them.
    var inputs: SignallingTracker.Inputs {
        SignallingTracker.Inputs(
            keySpecs: keys, keysFiles: keyFiles, signallingFiles: signalling, tlsKeyLogs: tlsKeyLogs,
            dtlsSRTPMaterialFiles: dtlsSRTPMaterial, keyLogFiles: keysFromLog)
    }

    /// Whether any key option was given.
    var givesAny: Bool {
        !(keys.isEmpty && keyFiles.isEmpty && signalling.isEmpty && tlsKeyLogs.isEmpty && dtlsSRTPMaterial.isEmpty
            && keysFromLog.isEmpty)
    }
}
