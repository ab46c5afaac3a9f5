// Fuzz target: the whole dissection with keys (`DissectPipeline`, `srtpdump dissect --srtp --key …`) on
// a hostile capture: capture reading, decoding, the capture's own SIP/SDP keys, the decrypt engine on
// every media packet, RTP/RTCP over TCP followed across segments (`TCPMediaDissectFollower`), datagrams
// rebuilt from IP fragments (`ReassembledMediaPacket`), and the text and JSON writers.
//
// Input: byte 0 chooses the options (below); the rest is a capture file (pcap or pcapng). The seeds are
// decrypt-pass's (same input format).
//
// The property (a failure traps: in a fuzz harness, that is how a finding is reported), in JSON:
//   - the pass reads as many frames as the harness's own reader, and shows every one (no filter);
//   - the output is one JSON object per line: each frame's, for frames 1, 2, … in order, once each, and
//     file-level diagnostics (`{"diagnostic":…}`) between them;
//   - an RTP/RTCP-over-TCP packet (`srtp` or `srtp_more` with `rfc4571`) has a stream offset that is not
//     negative and a `from_frame` at or before the frame showing it, and is shown once: no two with the
//     same addresses, ports and offset between two SYNs of that direction (a SYN starts a new connection,
//     whose offsets start again). Not checked with room for one direction (bits 4-5 = 2): an ended
//     direction is then forgotten to make room, and a late retransmission of it is framed as new.
// In text (bit 6) only the absence of a crash, leak or hang is checked.
// A run that throws (unreadable capture, unusable key) checks nothing.
import Capture
import Foundation
import FuzzSupport
import SRTPDump

#if canImport(Glibc)
    import Glibc
#endif

private let inputFile = ScratchFile("dissect-in")
private let outputFile = ScratchFile("dissect-out")
private let devNull = (try? OutputStream(path: "/dev/null"))

private func options(_ control: UInt8) -> DissectPipeline.Options {
    var o = DissectPipeline.Options(capturePath: inputFile.path)
    var media = DissectPipeline.MediaOptions()
    // Bits 0-2: the key given by hand, if any (FuzzKeys); the capture's SDP keys are read in any case.
    media.signalling = SignallingTracker.Inputs(keySpecs: FuzzKeys.chosen(control))
    media.rocSearch.timeBudget = 0.005
    o.media = media
    // Bit 3: verbose (the layer tree in text).
    o.verbose = control & 8 != 0
    // Bits 4-5: RTP over TCP limits small enough to be crossed by a fuzz input.
    switch control >> 4 & 3 {
    case 1: o.tcpMedia.maxBytesTotal = 300
    case 2: o.tcpMedia.maxDirections = 1
    default: break
    }
    // Bit 6: text instead of JSON.
    o.format = control & 0x40 != 0 ? .text : .json
    return o
}

/// Traps with a message naming the broken part of the property.
private func finding(_ message: String) -> Never {
    fputs("dissect-pass: property failed: \(message)\n", stderr)
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 1, let devNull else { return 0 }
    let control = start.load(as: UInt8.self)
    guard inputFile.write(start + 1, count - 1) else { return 0 }
    let o = options(control)
    guard let output = try? OutputStream(path: outputFile.path),
        let summary = try? DissectPipeline(options: o).run(output: output, errors: devNull)
    else { return 0 }
    output.flush()
    guard o.format == .json else { return 0 }
    check(summary, uniqueTCPPackets: control >> 4 & 3 != 2)
    return 0
}

private func check(_ summary: DissectPipeline.Summary, uniqueTCPPackets: Bool) {
    guard let reader = try? CaptureReader(path: inputFile.path) else {
        finding("the input, read once by the pass, no longer opens")
    }
    var frame = Frame()
    var frames = 0
    while reader.next(into: &frame) { frames += 1 }
    guard summary.framesRead == frames else { finding("\(frames) frames in the input, the pass read \(summary.framesRead)") }
    guard summary.framesShown == frames else { finding("\(summary.framesShown) frames shown of \(frames)") }
    guard let text = FileManager.default.contents(atPath: outputFile.path) else { finding("the output does not open") }
    var next = 1
    var shownTCP: [String: Set<Int>] = [:]
    for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            finding("line \(next): not one JSON object")
        }
        if object["diagnostic"] != nil { continue }
        guard object["frame"] as? Int == next else {
            finding("expected frame \(next): \(String(decoding: line.prefix(40), as: UTF8.self))")
        }
        checkTCPMedia(object, frame: next, shown: &shownTCP, unique: uniqueTCPPackets)
        next += 1
    }
    guard next == frames + 1 else { finding("\(next - 1) frame lines for \(frames) frames") }
}

/// The packets a frame shows over TCP: offsets not negative, each packet's first byte in this frame or
/// an earlier one, and (with `unique`) each (direction, stream offset) once per connection.
private func checkTCPMedia(_ object: [String: Any], frame: Int, shown: inout [String: Set<Int>], unique: Bool) {
    let ip = object["ip"] as? [String: Any] ?? [:]
    let tcp = object["tcp"] as? [String: Any] ?? [:]
    let direction = "\(ip["src"] ?? "") \(tcp["src_port"] ?? "") \(ip["dst"] ?? "") \(tcp["dst_port"] ?? "")"
    if (tcp["flags"] as? String)?.contains("SYN") == true { shown[direction] = nil }
    let packets = ([object["srtp"]] + (object["srtp_more"] as? [Any] ?? [])).compactMap { $0 as? [String: Any] }
    for packet in packets {
        guard let framing = packet["rfc4571"] as? [String: Any] else { continue }
        guard let offset = framing["offset"] as? Int, let from = framing["from_frame"] as? Int else {
            finding("frame \(frame): rfc4571 without offset or from_frame")
        }
        guard offset >= 0 else { finding("frame \(frame): negative stream offset \(offset)") }
        guard (1...frame).contains(from) else { finding("frame \(frame): packet from frame \(from)") }
        guard !unique || shown[direction, default: []].insert(offset).inserted else {
            finding("frame \(frame): the packet at offset \(offset) of \(direction) shown twice")
        }
    }
}
