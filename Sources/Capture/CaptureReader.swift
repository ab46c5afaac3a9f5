#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a capture file, recognises its format by its magic number, and delivers its frames one at a
/// time into a caller-owned `Frame`.
///
/// ```swift
/// let reader = try CaptureReader(path: "call.pcapng")
/// var frame = Frame()
/// while reader.next(into: &frame) { … }
/// for d in reader.takeDiagnostics() { print(d) }
/// ```
///
/// Classic pcap goes through libpcap; pcapng through our own block reader (see `PcapngFileReader`
/// for why). Problems inside the file are collected as `Diagnostic`s, which the caller drains with
/// `takeDiagnostics()` as it goes; reading continues past every problem that leaves the rest of the
/// file readable, and otherwise stops after keeping every frame before it.
public final class CaptureReader {
    private enum Backend {
        case pcap(PcapFileReader)
        case pcapng(PcapngFileReader)
        /// A recognised file with nothing readable (a truncated file header).
        case empty
    }

    public let path: String
    public let format: CaptureFormat
    private let backend: Backend
    // Read on every frame (`next(into:)`, `hasDiagnostics`), so stored without runtime exclusivity checks
    // (a `swift_beginAccess`/`endAccess` pair each, ~1 % of a packet of `decrypt -w` in the profile of
    // Docs/PERFORMANCE.md): every access is one statement of this file on the thread that owns the
    // reader (it is not Sendable), none overlaps another, and input decides only the values.
    @exclusivity(unchecked) private var pendingDiagnostics: [Diagnostic] = []
    private let fixedInterfaces: [CaptureInterface]
    /// Frames not matching the filter are skipped; frame numbers stay those of the file, as Wireshark shows them.
    @exclusivity(unchecked) public var filter: PacketFilter?

    /// The descriptor of the temporary copy of a capture read from standard input or a pipe: the file
    /// is unlinked as soon as it is made, so that nothing is left behind however the run ends (a signal
    /// included), and read through `/dev/fd/N`.
    private let spool: Int32?

    /// `path` "-" reads standard input. Standard input (unless it is a regular file, read in place), a
    /// pipe or a device is first copied to a temporary file (in `$TMPDIR`, else /tmp): its header is read
    /// once to recognise the format and the file is then opened again to read the frames, which a pipe
    /// could not give twice. Input whose first four bytes are no capture's magic number is refused
    /// before anything is copied.
    public init(path: String, filter: PacketFilter? = nil) throws(CaptureError) {
        self.path = path
        self.filter = filter
        let (readable, spool) = try Self.readablePath(path)
        self.spool = spool
        do {
            (format, backend, fixedInterfaces, pendingDiagnostics) = try Self.recognise(readable, shownAs: path)
        } catch {
            if let spool { close(spool) }
            throw error
        }
    }

    /// Recognises the file by its magic number and opens the backend that reads it.
    private static func recognise(
        _ readable: String, shownAs path: String
    ) throws(CaptureError) -> (CaptureFormat, Backend, [CaptureInterface], [Diagnostic]) {
        let header = try Self.readHeader(path: readable, shownAs: path)
        guard header.count >= 4 else {
            throw CaptureError(.notACapture, path: path, "file is \(header.count) bytes long: too short to be a capture")
        }
        let magic = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24
        if magic == PcapngFileReader.BlockType.sectionHeader {
            return (.pcapng, .pcapng(try PcapngFileReader(path: readable)), [], [])
        } else if let kind = PcapFileHeader.recognise(magic: magic) {
            if let fileHeader = PcapFileHeader(header) {
                let reader = try PcapFileReader(path: readable, header: fileHeader)
                return (.pcap, .pcap(reader), [reader.interface], [])
            }
            let interface = CaptureInterface(
                linkType: .ethernet, timestampResolution: kind.nanosecond ? .nanoseconds : .microseconds)
            let truncated = Diagnostic(
                .error, code: "capture.truncated-header", field: "pcap.header",
                "truncated pcap file header: \(header.count) of 24 bytes; no frames")
            return (.pcap, .empty, [interface], [truncated])
        } else {
            throw CaptureError(.notACapture, path: path, "unknown magic number 0x\(hex(magic)): neither pcap nor pcapng")
        }
    }

    deinit {
        if let spool { close(spool) }
    }

    /// The path to read `path` through, and the descriptor of the temporary copy when one was made.
    /// A directory is refused here, by name.
    private static func readablePath(_ path: String) throws(CaptureError) -> (String, Int32?) {
        let fd = path == "-" ? dup(STDIN_FILENO) : open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CaptureError(.cannotOpen, path: path, "cannot open for reading: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return (path, nil) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            throw CaptureError(.cannotOpen, path: path, "is a directory, not a capture file")
        case S_IFREG, S_IFBLK:
            return (path == "-" ? "/dev/fd/\(STDIN_FILENO)" : path, nil)
        default:
            break
        }
        // A stream: its first bytes say whether it is a capture at all (so that /dev/zero, or text piped
        // by mistake, is refused at once rather than copied), then the whole of it is copied.
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        func fill(from offset: Int, _ count: Int) throws(CaptureError) -> Int {
            while true {
                let n = buffer.withUnsafeMutableBytes { b -> Int in
                    guard let base = b.baseAddress else { return 0 }
                    return read(fd, base + offset, count)
                }
                if n >= 0 { return n }
                if errno != EINTR {
                    throw CaptureError(.cannotOpen, path: path, "read failed: \(String(cString: strerror(errno)))")
                }
            }
        }
        var head = 0
        while head < 4 {
            let n = try fill(from: head, 4 - head)
            if n == 0 { break }
            head += n
        }
        guard head == 4 else {
            throw CaptureError(.notACapture, path: path, "file is \(head) bytes long: too short to be a capture")
        }
        let magic = UInt32(buffer[0]) | UInt32(buffer[1]) << 8 | UInt32(buffer[2]) << 16 | UInt32(buffer[3]) << 24
        guard magic == PcapngFileReader.BlockType.sectionHeader || PcapFileHeader.recognise(magic: magic) != nil else {
            throw CaptureError(.notACapture, path: path, "unknown magic number 0x\(hex(magic)): neither pcap nor pcapng")
        }
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(directory)/srtpdump-input-XXXXXX".utf8CString)
        let out = template.withUnsafeMutableBufferPointer { b -> Int32 in
            guard let base = b.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard out >= 0 else {
            throw CaptureError(
                .cannotOpen, path: path, "cannot create a temporary copy in \(directory): \(String(cString: strerror(errno)))")
        }
        // The copy is read through `out` only: unlinked at once, it goes when the descriptor closes.
        unlink(template)
        var pending = head
        while true {
            var written = 0
            while written < pending {
                let w = buffer.withUnsafeBytes { b -> Int in
                    guard let base = b.baseAddress else { return -1 }
                    return write(out, base + written, pending - written)
                }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else {
                    let reason = String(cString: strerror(errno))
                    close(out)
                    throw CaptureError(
                        .cannotOpen, path: path, "cannot copy it to a temporary file in \(directory): \(reason)")
                }
                written += w
            }
            do { pending = try fill(from: 0, buffer.count) } catch {
                close(out)
                throw error
            }
            if pending == 0 { break }
        }
        return ("/dev/fd/\(out)", out)
    }

    private static func readHeader(path: String, shownAs name: String) throws(CaptureError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CaptureError(.cannotOpen, path: name, "cannot open for reading: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 24)
        var got = 0
        while got < 24 {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base + got, 24 - got)
            }
            if n > 0 { got += n } else if n < 0 && errno == EINTR { continue } else { break }
        }
        return Array(bytes[0..<got])
    }

    /// False when the file was recognised but its file header is cut short (no frame can be read): the
    /// run reports it and ends as for an unreadable input (exit status 2), output written all the same.
    /// For pcapng, known once reading has begun: true when a Section Header Block was read whole.
    public var hasReadableHeader: Bool {
        switch backend {
        case .empty: false
        case .pcap: true
        case .pcapng(let r): r.sectionsRead > 0
        }
    }

    /// The interfaces seen so far: one for classic pcap; for pcapng every Interface Description Block
    /// read up to now, numbered across sections (`Frame.interfaceID` indexes this array).
    public var interfaces: [CaptureInterface] {
        switch backend {
        case .pcapng(let r): r.interfaces
        case .pcap, .empty: fixedInterfaces
        }
    }

    /// Every frame of the file from here, each in an array of its own (tests and small files: `next(into:)`
    /// reuses one buffer instead).
    public func allFrames() -> [Frame] {
        var frames: [Frame] = []
        var frame = Frame()
        while next(into: &frame) { frames.append(frame) }
        return frames
    }

    /// Reads the next frame (that passes the filter, if any) into `frame`, reusing its buffer.
    /// Returns false at the end of the file or after an error that stops reading.
    public func next(into frame: inout Frame) -> Bool {
        while true {
            let got: Bool
            switch backend {
            case .pcap(let r): got = r.next(into: &frame)
            case .pcapng(let r): got = r.next(into: &frame)
            case .empty: got = false
            }
            guard got else { return false }
            guard let filter else { return true }
            if filter.matches(frame) { return true }
        }
    }

    /// Whether diagnostics are waiting to be taken.
    public var hasDiagnostics: Bool {
        if !pendingDiagnostics.isEmpty { return true }
        switch backend {
        case .pcap(let r): return !r.diagnostics.isEmpty
        case .pcapng(let r): return !r.diagnostics.isEmpty
        case .empty: return false
        }
    }

    /// The diagnostics found since the last call (file order), reading and filtering alike.
    public func takeDiagnostics() -> [Diagnostic] {
        var all = pendingDiagnostics
        pendingDiagnostics.removeAll()
        switch backend {
        case .pcap(let r):
            all += r.diagnostics
            r.diagnostics.removeAll()
        case .pcapng(let r):
            all += r.diagnostics
            r.diagnostics.removeAll()
        case .empty: break
        }
        if let filter { all += filter.takeDiagnostics() }
        return all
    }

    /// pcapng blocks other than section headers, interface descriptions and packets, met since the
    /// last call, in file order (empty for classic pcap). Each belongs before frame `framesBefore + 1`.
    public func takeOtherBlocks() -> [PcapngBlock] {
        switch backend {
        case .pcapng(let r): r.takeOtherBlocks()
        case .pcap, .empty: []
        }
    }

    /// Number of pcapng sections read so far (1 for classic pcap).
    public var sectionCount: Int {
        switch backend {
        case .pcapng(let r): r.sectionCount
        case .pcap, .empty: 1
        }
    }
}
