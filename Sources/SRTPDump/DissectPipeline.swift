import Capture
import Datagrams
import Output

/// `srtpdump dissect`: read a capture once and print every frame's layers.
///
/// Frames flow Capture → Datagrams → Output; nothing is kept between frames except the decoder's
/// bounded reassembly state, so memory stays flat on captures of any size.
public struct DissectPipeline {
    public struct Options: Sendable {
        public var capturePath: String
        public var filter: String?
        public var format: DissectionFormat = .text
        public var verbose = false
        public var decoder = FrameDecoder.Options()

        public init(capturePath: String) { self.capturePath = capturePath }
    }

    public struct Summary: Sendable {
        /// Frames read from the file, and of those, frames that passed the filter and were printed.
        public var framesRead = 0
        public var framesShown = 0
        public var diagnostics = 0
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Runs the dissection, writing frames to `output` and file-level problems to `errors`.
    /// Throws `CaptureError` when the capture cannot be opened or the filter does not compile.
    public func run(output: OutputStream, errors: OutputStream) throws(CaptureError) -> Summary {
        let filter = try options.filter.map { (e: String) throws(CaptureError) in try PacketFilter(e) }
        let reader = try CaptureReader(path: options.capturePath)
        let decoder = FrameDecoder(options: options.decoder)
        let writer = FrameDissectionWriter(
            format: options.format, verbose: options.verbose, output: output, interfaces: reader.interfaces)
        var summary = Summary()
        var frame = Frame()
        var pending: [Diagnostic] = []

        while reader.next(into: &frame) {
            summary.framesRead += 1
            if reader.hasDiagnostics { pending.append(contentsOf: reader.takeDiagnostics()) }
            // The decoder sees every frame, filtered or not, so that reassembly stays whole; only the
            // printing is filtered, and frames keep their file numbers, as in Wireshark.
            let decoded = decoder.decode(frame)
            let shown = filter?.matches(frame) ?? true
            if let filter {
                let filterDiagnostics = filter.takeDiagnostics()
                if !filterDiagnostics.isEmpty { pending.append(contentsOf: filterDiagnostics) }
            }
            var frameDiagnostics = decoded.diagnostics
            if !pending.isEmpty {
                frameDiagnostics.insert(contentsOf: pending.filter { $0.frame == frame.number }, at: 0)
                for d in pending where d.frame != frame.number { report(d, writer: writer, errors: errors) }
                pending.removeAll(keepingCapacity: true)
            }
            summary.diagnostics += frameDiagnostics.count
            if shown {
                summary.framesShown += 1
                writer.write(frame: frame, decoded: decoded, diagnostics: frameDiagnostics)
            }
        }
        pending.append(contentsOf: reader.takeDiagnostics())
        pending.append(contentsOf: decoder.finish().diagnostics)
        for d in pending { report(d, writer: writer, errors: errors) }
        summary.diagnostics += pending.count
        output.flush()
        errors.flush()
        return summary
    }

    private func report(_ d: Diagnostic, writer: FrameDissectionWriter, errors: OutputStream) {
        writer.write(fileDiagnostic: d)
        errors.write("srtpdump: \(d.severity.rawValue): \(d)\n")
    }
}
