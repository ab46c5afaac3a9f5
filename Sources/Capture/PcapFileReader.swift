internal import CPcap

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a classic pcap file through libpcap.
///
/// The file is opened with nanosecond precision (`pcap_open_offline_with_tstamp_precision`,
/// PCAP_TSTAMP_PRECISION_NANO) so nanosecond files keep their nanoseconds; libpcap scales
/// microsecond files up. Which of the two the file really holds comes from its magic number and is
/// kept in `interface.timestampResolution` so a writer can reproduce it.
final class PcapFileReader {
    private let handle: OpaquePointer
    /// A regular file is mapped, and libpcap reads it through an unbuffered `FILE` over the mapping
    /// (one copy per `fread`; see `MappedCaptureFile`). Removed after `pcap_close` closed that `FILE`
    /// (stored properties go after `deinit`'s body).
    private let mapping: MappedCaptureFile?
    /// Otherwise (a pipe, a device), the stdio buffer libpcap reads through: 1 MiB instead of stdio's
    /// 4 KiB, so that a large file costs a few hundred read(2) calls rather than one per few records.
    /// Freed after `pcap_close`.
    private let fileBuffer: UnsafeMutablePointer<CChar>?
    let interface: CaptureInterface
    private let recordHeaderSize: Int64
    private let snapshot: Int
    // Read and written on every frame, so stored without runtime exclusivity checks: every access is one
    // statement of this file on the thread that owns the reader (it is not Sendable), none overlaps
    // another, and input decides only the values.
    /// File offset of the next record, tracked to notice records libpcap cut to the snap length.
    @exclusivity(unchecked) private var offset: Int64
    @exclusivity(unchecked) private var frameNumber = 0
    @exclusivity(unchecked) private var finished = false
    @exclusivity(unchecked) var diagnostics: [Diagnostic] = []

    /// `header` is the 24-byte file header, already read to recognise the format.
    init(path: String, header: PcapFileHeader) throws(CaptureError) {
        // pcap_fopen_offline_with_tstamp_precision is pcap_open_offline_with_tstamp_precision on a
        // FILE we open ourselves: one over a mapping of the file, or one whose buffer is set before the
        // first read (C11 §7.21.5.6).
        let mapping = MappedCaptureFile(path: path)
        let file: UnsafeMutablePointer<FILE>
        var buffer: UnsafeMutablePointer<CChar>?
        if let mapping {
            file = mapping.file
        } else {
            guard let f = fopen(path, "rb") else {
                throw CaptureError(.cannotOpen, path: path, "cannot open for reading: \(errnoText())")
            }
            let bufferSize = 1 << 20
            let b = UnsafeMutablePointer<CChar>.allocate(capacity: bufferSize)
            setvbuf(f, b, _IOFBF, bufferSize)
            file = f
            buffer = b
        }
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let p = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            fclose(file)
            buffer?.deallocate()
            throw CaptureError(.notACapture, path: path, "libpcap: \(errorText(errbuf))")
        }
        handle = p
        self.mapping = mapping
        fileBuffer = buffer
        snapshot = Int(pcap_snapshot(p))
        interface = CaptureInterface(
            linkType: header.linkType, snapLength: header.snapLength,
            timestampResolution: header.nanosecond ? .nanoseconds : .microseconds)
        recordHeaderSize = header.modified ? 24 : 16
        offset = 24
    }

    deinit {
        pcap_close(handle)  // closes the FILE
        fileBuffer?.deallocate()
    }

    /// A record's time from libpcap's fields. libpcap reads both as signed 32-bit numbers (`bpf_int32`)
    /// and multiplies a microsecond fraction by 1000; the fraction is unsigned and below one second in a
    /// sound file (draft-ietf-opsawg-pcap §5), but a hostile or broken record may hold whole seconds
    /// there, up to 2^32 - 1. So the fraction's 32 bits are taken back as they were stored and the whole
    /// seconds in them carried: taken as they came, such a value did not fit `Timestamp.nanoseconds` and
    /// was cut to 32 bits, and a written copy carried another time (found by the decrypt-pass fuzz target).
    /// The seconds stay as libpcap reads them (signed), as the writer writes them back.
    static func timestamp(seconds: Int64, fraction: Int64, nanosecond: Bool) -> Timestamp {
        let stored = UInt32(truncatingIfNeeded: nanosecond ? fraction : fraction / 1000)
        let perSecond: UInt32 = nanosecond ? 1_000_000_000 : 1_000_000
        return Timestamp(
            seconds: seconds &+ Int64(stored / perSecond),
            nanoseconds: (stored % perSecond) &* (nanosecond ? 1 : 1000))
    }

    func next(into frame: inout Frame) -> Bool {
        guard !finished else { return false }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var bytes: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &bytes)
        if let mapping, mapping.faulted, stopIfShrunk(mapping) { return false }
        guard status == 1, let header, let bytes else {
            finished = true
            if status == -1 {
                // A truncated last record, or a record libpcap cannot read: keep what came before.
                // libpcap says "truncated dump file" for a short record, and names the field otherwise
                // (e.g. "invalid packet capture length 300000, bigger than maximum of 262144").
                let message = String(cString: pcap_geterr(handle))
                let code = message.contains("truncated") ? "capture.truncated-record" : "capture.bad-record"
                diagnostics.append(
                    Diagnostic(.error, code: code, frame: frameNumber + 1, field: "pcap.record",
                               "\(message) (record at file offset \(offset)); reading stops here"))
            }
            return false
        }
        frameNumber += 1
        let capturedLength = Int(header.pointee.caplen)
        let originalLength = Int(header.pointee.len)
        frame.number = frameNumber
        frame.timestamp = Self.timestamp(
            seconds: Int64(header.pointee.ts.tv_sec), fraction: Int64(header.pointee.ts.tv_usec),
            nanosecond: interface.timestampResolution == .nanoseconds)
        frame.originalLength = originalLength
        frame.linkType = interface.linkType
        frame.interfaceID = 0
        frame.replaceData(with: bytes, count: capturedLength)

        // libpcap silently cuts a record longer than the snap length down to it (sf-pcap.c); the only
        // trace is that the file position moved further than the captured length says.
        var storedLength = capturedLength
        if capturedLength == snapshot, let file = pcap_file(handle) {
            let position = Int64(ftello(file))
            storedLength = Int(position - offset - recordHeaderSize)
            offset = position
        } else {
            offset += recordHeaderSize + Int64(capturedLength)
        }
        mapping?.consumed(upTo: offset)
        if FrameChecks.isSuspect(capturedLength: storedLength, originalLength: originalLength, snapLength: UInt32(truncatingIfNeeded: snapshot)) {
            FrameChecks.report(number: frameNumber, capturedLength: storedLength, originalLength: originalLength, snapLength: UInt32(truncatingIfNeeded: snapshot), into: &diagnostics)
        }
        return true
    }
}

extension PcapFileReader {
    /// After the mapping's SIGBUS guard read zeros past the file's end (another process cut the file
    /// while it was read): stops, with a diagnostic, when the record just read does not lie whole within
    /// the file's new size. A record that does was read from real bytes (the fault came from stdio's
    /// read-ahead) and is kept. Cold: runs only once a fault happened.
    @inline(never)
    fileprivate func stopIfShrunk(_ mapping: MappedCaptureFile) -> Bool {
        let size = mapping.currentSize ?? 0
        let end = pcap_file(handle).map { Int64(ftello($0)) } ?? Int64.max
        guard end > size else { return false }
        finished = true
        diagnostics.append(
            Diagnostic(
                .error, code: "capture.file-shrank", frame: frameNumber + 1, field: "pcap.record",
                "the file was cut to \(size) bytes by another process while it was read; the record at file "
                    + "offset \(offset) lies past its new end; reading stops here"))
        return true
    }
}

/// The classic pcap file header (24 bytes): magic, version, zone, sigfigs, snaplen, link type.
struct PcapFileHeader {
    var nanosecond: Bool
    /// The "modified" (Kuznetzov) format, whose record headers are 24 bytes.
    var modified: Bool
    var snapLength: UInt32
    var linkType: LinkType

    /// Recognises the magic number alone; nil if it is not a classic pcap magic.
    static func recognise(magic: UInt32) -> (nanosecond: Bool, modified: Bool, swapped: Bool)? {
        switch magic {
        case 0xA1B2_C3D4: (false, false, false)
        case 0xD4C3_B2A1: (false, false, true)
        case 0xA1B2_3C4D: (true, false, false)
        case 0x4D3C_B2A1: (true, false, true)
        case 0xA1B2_CD34: (false, true, false)
        case 0x34CD_B2A1: (false, true, true)
        default: nil
        }
    }

    /// Parses a complete 24-byte header (magic read in host order).
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 24 else { return nil }
        func u32(_ at: Int, swapped: Bool) -> UInt32 {
            let v = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            return swapped ? v.byteSwapped : v
        }
        guard let kind = PcapFileHeader.recognise(magic: u32(0, swapped: false)) else { return nil }
        nanosecond = kind.nanosecond
        modified = kind.modified
        snapLength = u32(16, swapped: kind.swapped)
        // The top bits of the link-type field carry FCS information (LT_LINKTYPE in libpcap).
        linkType = LinkType(rawValue: u32(20, swapped: kind.swapped) & 0x03FF_FFFF)
    }
}

/// The NUL-terminated text libpcap left in an error buffer.
func errorText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
