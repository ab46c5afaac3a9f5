/// Checks every reader applies to a frame's lengths, whatever the file format, so that the
/// diagnostics read the same for pcap and pcapng.
enum FrameChecks {
    /// Reports a captured length larger than the original length, larger than the snap length
    /// (0 = no limit), or a zero-length record. The frame is kept either way: its bytes are still
    /// what was captured, and the next stages bounds-check against `data.count`.
    /// Whether `report` has anything to say. Call sites test this first, so that their `diagnostics`
    /// (a class property, whose every access is checked for exclusivity) is only touched when needed.
    @inline(__always)
    static func isSuspect(capturedLength: Int, originalLength: Int, snapLength: UInt32) -> Bool {
        capturedLength == 0 || capturedLength > originalLength || (snapLength != 0 && capturedLength > Int(snapLength))
    }

    static func report(
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
    /// `source` must point at memory bound to `UInt8` (libpcap's buffers, `BufferedFileInput`'s storage);
    /// a typed buffer lets `append` copy with one memcpy rather than byte by byte.
    ///
    /// Resized, then copied over: `removeAll(keepingCapacity:)` goes through the generic
    /// `replaceSubrange`, a visible cost at one call per frame. Frames of the same length (a call's media)
    /// make the resize a no-op.
    @inlinable
    mutating func replaceData(with source: UnsafeRawPointer, count: Int) {
        if data.count > count {
            data.removeLast(data.count - count)
        } else if data.count < count {
            data.append(contentsOf: repeatElement(0, count: count - data.count))
        }
        data.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: source, count: count)) }
    }
}
