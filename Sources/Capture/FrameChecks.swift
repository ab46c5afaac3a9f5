/// Checks every reader applies to a frame's lengths, whatever the file format, so that the
/// diagnostics read the same for pcap and pcapng.
enum FrameChecks {
    /// Reports a captured length larger than the original length, larger than the snap length
    /// (0 = no limit), or a zero-length record. The frame is kept either way: its bytes are still
    /// what was captured, and the next stages bounds-check against `data.count`.
    static func check(
        number: Int, capturedLength: Int, originalLength: Int, snapLength: UInt32,
        into diagnostics: inout [Diagnostic]
    ) {
        if capturedLength == 0 {
            diagnostics.append(
                Diagnostic(.warning, code: "capture.zero-length", frame: number, field: "frame.cap_len",
                           "zero-length record (original length \(originalLength))"))
        }
        if capturedLength > originalLength {
            diagnostics.append(
                Diagnostic(.warning, code: "capture.caplen-exceeds-len", frame: number, field: "frame.cap_len",
                           "captured length \(capturedLength) exceeds original length \(originalLength)"))
        }
        if snapLength != 0, capturedLength > Int(snapLength) {
            diagnostics.append(
                Diagnostic(.warning, code: "capture.caplen-exceeds-snaplen", frame: number, field: "frame.cap_len",
                           "captured length \(capturedLength) exceeds the snap length \(snapLength)"))
        }
    }
}

extension Frame {
    /// Replaces `data` with `count` bytes from `source`, keeping the array's storage (no allocation
    /// once its capacity has grown to the largest frame seen).
    @inlinable
    mutating func replaceData(with source: UnsafeRawPointer, count: Int) {
        data.removeAll(keepingCapacity: true)
        data.append(contentsOf: UnsafeRawBufferPointer(start: source, count: count))
    }
}
