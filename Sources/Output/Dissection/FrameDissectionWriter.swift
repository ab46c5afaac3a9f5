import Capture
import Datagrams

/// Prints the dissection of each frame as it is decoded: a one-line summary (text), the layer tree
/// (text, verbose), or one JSON object per line (JSON Lines; schema in Docs/json-schema.md).
///
/// Memory stays flat whatever the capture size: nothing is kept between frames but the first
/// timestamp (for relative times) and reusable buffers.
public final class FrameDissectionWriter {
    public let format: DissectionFormat
    public let verbose: Bool
    private let output: OutputStream
    private var json = JSONWriter(capacity: 4096)
    private var origin: Timestamp?
    private let interfaces: [CaptureInterface]

    public init(format: DissectionFormat, verbose: Bool, output: OutputStream, interfaces: [CaptureInterface] = []) {
        self.format = format
        self.verbose = verbose
        self.output = output
        self.interfaces = interfaces
    }

    /// Relative times count from the capture's first frame, shown or not (as Wireshark's
    /// `frame.time_relative` does under a display filter), so runs with different filters agree.
    public func noteFrameRead(_ frame: Frame) {
        if origin == nil { origin = frame.timestamp }
    }

    /// Writes one frame. `diagnostics` are the problems found in it (reader and decoder).
    /// `media` is what the keys told about the frame's media packets (dissect with keys): none, its one
    /// packet, or every RTP/RTCP-over-TCP packet whose last byte it brought, in stream order.
    public func write(frame: Frame, decoded: DecodedFrame, diagnostics: [Diagnostic], media: [MediaDissection] = []) {
        if origin == nil { origin = frame.timestamp }
        let payload = decoded.payload(in: frame)
        let app: PayloadDissection =
            payload.map { PayloadDissection.dissect($0, as: decoded.classification) } ?? .none
        var all = diagnostics
        if case .malformed(let kind, let error) = app {
            var d = error.diagnostic(frame: frame.number)
            d.field = d.field ?? kind.rawValue
            all.append(d)
        }
        if app.nestsChannelData {
            all.append(
                Diagnostic(
                    .warning, code: "turn.nested-channel-data", frame: frame.number, field: "turn.data",
                    "TURN ChannelData carries another ChannelData message; only the outer one is unwrapped"))
        }
        switch format {
        case .text:
            writeSummary(frame: frame, decoded: decoded, app: app, payload: payload, media: media)
            if verbose { writeTree(frame: frame, decoded: decoded, app: app, payload: payload, media: media) }
            for d in all { output.write("       ! \(d.severity.rawValue): \(d)\n") }
        case .json:
            json.reset()
            FrameJSON.write(
                frame: frame, decoded: decoded, app: app, payload: payload, diagnostics: all,
                origin: origin ?? frame.timestamp, media: media, into: &json)
            json.raw(0x0A)
            json.withBytes { output.write(raw: $0) }
        }
    }

    /// Writes a diagnostic that belongs to no frame (file-level), in the current format.
    public func write(fileDiagnostic d: Diagnostic) {
        switch format {
        case .text:
            output.write("       ! \(d.severity.rawValue): \(d)\n")
        case .json:
            json.reset()
            json.beginObject()
            json.key("diagnostic")
            FrameJSON.write(diagnostic: d, into: &json)
            json.endObject()
            json.raw(0x0A)
            json.withBytes { output.write(raw: $0) }
        }
    }

    // MARK: - Text

    private func writeSummary(
        frame: Frame, decoded: DecodedFrame, app: PayloadDissection, payload: ArraySlice<UInt8>?,
        media: [MediaDissection]
    ) {
        let time = TimeFormatting.relative(frame.timestamp, to: origin ?? frame.timestamp)
        var (proto, info) = FrameText.protocolAndInfo(decoded: decoded, app: app, payload: payload)
        if let first = media.first {
            proto = first.protocolName.uppercased()
            let summaries = media.map(\.summary).joined(separator: " | ")
            info = info.isEmpty ? summaries : info + " | " + summaries
        }
        var from = "", to = ""
        if let s = decoded.source, let d = decoded.destination {
            from = s.description
            to = d.description
        } else if let a = decoded.addresses {
            from = a.source.description
            to = a.destination.description
        } else if let l = decoded.link, let s = l.source, let d = l.destination {
            from = s.description
            to = d.description
        }
        var line = FrameText.leftPad(String(frame.number), 6) + " " + time + " "
        line += from.isEmpty ? "" : "\(from) → \(to) "
        line += proto + " " + String(frame.originalLength)
        if !info.isEmpty { line += " " + info }
        line += "\n"
        output.write(line)
    }

    private func writeTree(
        frame: Frame, decoded: DecodedFrame, app: PayloadDissection, payload: ArraySlice<UInt8>?,
        media: [MediaDissection]
    ) {
        var lines = FrameText.tree(frame: frame, decoded: decoded, app: app, payload: payload, interfaces: interfaces)
        for m in media { m.tree(indent: "  ", into: &lines) }
        for line in lines { output.write("    " + line + "\n") }
    }
}
