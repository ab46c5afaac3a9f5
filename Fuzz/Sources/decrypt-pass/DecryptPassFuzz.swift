// Fuzz target: the whole decrypt pass (`DecryptPipeline`, `srtpdump decrypt -w`) on a hostile capture,
// checking issue 7's property: `decrypt` writes exactly the input's frames, and changes none it does not
// decrypt. Every path that rewrites or holds frames is fed: the look-behind buffer (`HeldFrames`), RTP/RTCP
// over TCP followed across segments (`TCPMediaFollower`, `TCPMediaRewriter`), media in IP fragments cut
// back into their frames (`FragmentTrains`, `FragmentRewriter`), keys from the capture's own SIP/SDP.
//
// Input: byte 0 chooses the options (below); the rest is a capture file (pcap or pcapng), written to
// /dev/shm and decrypted to another file there, which is read back and compared with the input.
//
// The property (a failure traps: in a fuzz harness, that is how a finding is reported):
//   - the output holds exactly `summary.frames` frames, as many as the input, one record per frame, in order;
//   - output frame n has input frame n's timestamp;
//   - a frame not decrypted (status neither authenticated nor replayed) is byte-identical to the input
//     frame (data and original length), except where the pass promises a rewrite of frames it did not
//     decrypt itself: the segments of a TCP connection that carried decrypted media (renumbered around the
//     shorter plaintexts, both directions; a segment of several packets reports a failure if one failed)
//     and the IP fragments of a decrypted datagram (the plaintext is cut back into them; only the
//     completing fragment carries the datagram's status);
//   - a decrypted frame outside those two cases is no longer than the input frame (the tag and MKI go).
// A run that throws (unreadable capture, unusable key) checks nothing.
import Analysis
import Capture
import Datagrams
import FuzzSupport
import SRTPDump

#if canImport(Glibc)
    import Glibc
#endif

private let inputFile = ScratchFile("decrypt-in")
private let outputFile = ScratchFile("decrypt-out")
private let devNull = (try? OutputStream(path: "/dev/null"))

private func options(_ control: UInt8) -> DecryptPipeline.Options {
    var o = DecryptPipeline.Options(capturePath: inputFile.path)
    o.outputPath = outputFile.path
    o.progress = false
    o.stderrIsTerminal = false
    // Bits 0-2: the key given by hand, if any (FuzzKeys).
    o.signalling = SignallingTracker.Inputs(keySpecs: FuzzKeys.chosen(control))
    // Bit 3: the ROC search, on a tiny budget (an execution must stay well under a second).
    o.rocSearchEnabled = control & 8 != 0
    o.rocSearchBudget = 0.005
    o.rocSearchLimit = 1 << 10
    o.rocSearchAEADLimit = 2
    o.rocSearchKDRLimit = 2
    // Bits 4-5: the look-behind buffer, from tiny (forced decisions on every frame) to the default.
    let holds: [(Int, Int)] = [(1, 2048), (4, 16 << 10), (64, 256 << 10), (4096, 8 << 20)]
    (o.holdFrames, o.holdBytes) = holds[Int(control >> 4 & 3)]
    // Bit 6: RTP over TCP limits small enough to be crossed by a fuzz input.
    if control & 0x40 != 0 {
        o.tcpMedia.maxBytesPerDirection = 600
        o.tcpMedia.maxBytesTotal = 1500
        o.tcpMedia.maxDirections = 2
        o.tcpMedia.historyBytes = 256
    }
    // Bit 7: few streams and diagnostics (eviction paths).
    if control & 0x80 != 0 {
        o.maxStreams = 2
        o.maxDiagnostics = 4
    }
    return o
}

/// Every frame of a capture file (the harness's own read, not the pass's).
private func frames(_ path: String) -> [Frame]? {
    guard let reader = try? CaptureReader(path: path) else { return nil }
    var out: [Frame] = []
    var frame = Frame()
    while reader.next(into: &frame) { out.append(frame) }
    return out
}

/// Traps with a message naming the broken part of the property.
private func finding(_ message: String) -> Never {
    fputs("decrypt-pass: property failed: \(message)\n", stderr)
    abort()
}

/// The endpoints of a TCP connection, in a fixed order (both directions are one connection).
private struct Connection: Hashable {
    var a: Endpoint
    var b: Endpoint
    init(_ x: Endpoint, _ y: Endpoint) { (a, b) = x < y ? (x, y) : (y, x) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 1, let devNull else { return 0 }
    let control = start.load(as: UInt8.self)
    guard inputFile.write(start + 1, count - 1) else { return 0 }
    outputFile.remove()
    guard
        let summary = try? DecryptPipeline(options: options(control)).run(
            output: nil, errors: devNull, record: true)
    else { return 0 }
    check(summary)
    return 0
}

private func check(_ summary: DecryptPipeline.Summary) {
    guard let input = frames(inputFile.path) else { finding("the input, read once by the pass, no longer opens") }
    guard let output = frames(outputFile.path) else { finding("the written capture does not open") }
    guard input.count == summary.frames else { finding("\(input.count) input frames, summary says \(summary.frames)") }
    guard output.count == input.count else { finding("\(output.count) frames written for \(input.count) read") }
    guard summary.records.count == input.count else {
        finding("\(summary.records.count) records for \(input.count) frames")
    }
    // Which frames the pass may rewrite without decrypting them: decoded again here, with a decoder of
    // the pass's options, so that fragments and connections are seen as the pass saw them.
    let decoder = FrameDecoder()
    var decoded = DecodedFrame(frameNumber: 0)
    var connectionOf: [Connection?] = []
    var decryptedConnections: Set<Connection> = []
    var rewrittenFragments: Set<Int> = []
    connectionOf.reserveCapacity(input.count)
    // A segment carrying several RTP/RTCP packets has one record: a failure if any packet failed
    // (TCPMediaFollower.Plan), though the others were decrypted and rewritten. So a connection counts as
    // decrypted when a stream over it authenticated any packet, whatever its frames' records say.
    for stream in summary.streams where stream.flow.tcp && stream.authenticated + stream.replayed > 0 {
        decryptedConnections.insert(Connection(stream.flow.source, stream.flow.destination))
    }
    for (i, frame) in input.enumerated() {
        decoder.decode(frame, into: &decoded)
        let record = summary.records[i]
        guard record.frame == frame.number else {
            finding("record \(i) is of frame \(record.frame), not \(frame.number)")
        }
        let decrypted = record.status == .authenticated || record.status == .replayed
        var connection: Connection?
        if decoded.tcp != nil, let s = decoded.source, let d = decoded.destination { connection = Connection(s, d) }
        connectionOf.append(connection)
        if decrypted, let connection { decryptedConnections.insert(connection) }
        if decrypted, let r = decoded.reassembled { rewrittenFragments.formUnion(r.frames) }
    }
    for (i, (a, b)) in zip(input, output).enumerated() {
        guard a.timestamp == b.timestamp else {
            finding("frame \(i + 1): timestamp \(a.timestamp) became \(b.timestamp)")
        }
        let status = summary.records[i].status
        let tcpRewritten = connectionOf[i].map { decryptedConnections.contains($0) } ?? false
        if tcpRewritten || rewrittenFragments.contains(a.number) { continue }
        if status == .authenticated || status == .replayed {
            guard b.data.count <= a.data.count else {
                finding("frame \(i + 1) decrypted: \(a.data.count) bytes became \(b.data.count)")
            }
        } else {
            guard a.data == b.data, a.originalLength == b.originalLength else {
                finding(
                    "frame \(i + 1) (\(status)) changed: \(a.data.count)/\(a.originalLength) bytes written as \(b.data.count)/\(b.originalLength)"
                )
            }
        }
    }
}
