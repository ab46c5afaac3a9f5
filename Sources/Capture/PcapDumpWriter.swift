internal import CPcap

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a classic pcap file through libpcap's dump API, on a dead handle with the input's link
/// type, snap length and timestamp precision (the precision picks the magic number, RFC-draft
/// draft-ietf-opsawg-pcap §4: a1b2c3d4 for microseconds, a1b23c4d for nanoseconds).
final class PcapDumpWriter {
    private let handle: OpaquePointer
    /// Read on every frame; single-threaded owner, one statement per access: no runtime exclusivity check.
    @exclusivity(unchecked) private var dumper: OpaquePointer?
    private let nanosecond: Bool
    /// The stdio buffer the dump file writes through: 1 MiB rather than stdio's default (the file
    /// system's block size, 4 KiB here), so that a large capture costs a few hundred write(2) calls
    /// rather than one per ~20 frames. Freed after the FILE is closed.
    private let fileBuffer: UnsafeMutablePointer<CChar>
    /// The FILE libpcap writes through, whose error flag `write` checks after each record.
    private let file: UnsafeMutablePointer<FILE>
    private static let bufferSize = 1 << 20

    /// Takes ownership of `fd`.
    init(fd: Int32, path: String, interface: CaptureInterface) throws(CaptureError) {
        let resolution = interface.timestampResolution
        nanosecond = resolution != .microseconds
        let precision = UInt32(nanosecond ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO)
        guard let handle = pcap_open_dead_with_tstamp_precision(interface.linkType.dlt, Int32(truncatingIfNeeded: interface.snapLength), precision) else {
            _ = posixClose(fd)
            throw CaptureError(.cannotWrite, path: path, "libpcap cannot open a handle for link type \(interface.linkType)")
        }
        self.handle = handle
        guard let file = fdopen(fd, "wb") else {
            _ = posixClose(fd)
            pcap_close(handle)
            throw CaptureError(.cannotWrite, path: path, "fdopen: \(errnoText())")
        }
        // Before the first write (C11 §7.21.5.6): libpcap writes the file header through this FILE.
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.bufferSize)
        setvbuf(file, buffer, _IOFBF, Self.bufferSize)
        guard let dumper = pcap_dump_fopen(handle, file) else {
            let message = String(cString: pcap_geterr(handle))
            fclose(file)
            buffer.deallocate()
            pcap_close(handle)
            throw CaptureError(.cannotWrite, path: path, "libpcap: \(message)")
        }
        self.dumper = dumper
        self.file = file
        fileBuffer = buffer
    }

    deinit {
        abandon()
        pcap_close(handle)
        fileBuffer.deallocate()  // after pcap_dump_close (in finish or abandon) closed the FILE
    }

    /// A record's seconds and fraction (µs or ns). libpcap writes both as 32-bit fields and reads the
    /// seconds back signed; a time past 2^31 - 1 s can only come from a record whose fraction held whole
    /// seconds (the reader carries them, `PcapFileReader.timestamp`), so they go back into the fraction,
    /// as they came, when it can hold them.
    static func fields(_ t: Timestamp, nanosecond: Bool) -> (seconds: Int, fraction: Int) {
        let perSecond: Int64 = nanosecond ? 1_000_000_000 : 1_000_000
        let fraction = Int64(t.nanoseconds) / (nanosecond ? 1 : 1000)
        let limit = Int64(Int32.max)
        let excess = t.seconds &- limit
        guard t.seconds > limit, excess <= (Int64(UInt32.max) - fraction) / perSecond else {
            return (Int(truncatingIfNeeded: t.seconds), Int(fraction))
        }
        return (Int(limit), Int(fraction + excess * perSecond))
    }

    /// Appends one record. libpcap's `pcap_dump` reports nothing, so the stream's error flag is read
    /// after it (without the stdio lock: one thread writes): a reader gone from the other end of a pipe
    /// (`-w - | …`) or a full disk stops the pass at the record it hit, not at the end of the capture.
    func write(_ frame: Frame) throws(CaptureError) {
        guard let dumper else { return }
        var header = pcap_pkthdr()
        let (seconds, fraction) = Self.fields(frame.timestamp, nanosecond: nanosecond)
        header.ts.tv_sec = seconds
        header.ts.tv_usec = fraction
        header.caplen = UInt32(truncatingIfNeeded: frame.data.count)
        header.len = UInt32(truncatingIfNeeded: frame.originalLength)
        let user = UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self)
        frame.data.withUnsafeBufferPointer { bytes in
            if let base = bytes.baseAddress {
                pcap_dump(user, &header, base)
            } else {
                var zero: UInt8 = 0
                pcap_dump(user, &header, &zero)
            }
        }
        if ferror_unlocked(file) != 0 { throw CaptureError(.cannotWrite, "write failed: \(errnoText())") }
    }

    func finish() throws(CaptureError) {
        guard let dumper else { return }
        self.dumper = nil
        let flushed = pcap_dump_flush(dumper) == 0
        let file = pcap_dump_file(dumper)
        let clean = file.map { ferror($0) == 0 } ?? true
        pcap_dump_close(dumper)
        guard flushed, clean else { throw CaptureError(.cannotWrite, "write failed: \(errnoText())") }
    }

    func abandon() {
        guard let dumper else { return }
        self.dumper = nil
        pcap_dump_close(dumper)
    }
}
