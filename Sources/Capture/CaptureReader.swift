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

    public init(path: String, filter: PacketFilter? = nil) throws(CaptureError) {
        self.path = path
        self.filter = filter
        let header = try Self.readHeader(path: path)
        guard header.count >= 4 else {
            throw CaptureError(.notACapture, path: path, "file is \(header.count) bytes long: too short to be a capture")
        }
        let magic = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24
        if magic == PcapngFileReader.BlockType.sectionHeader {
            format = .pcapng
            backend = .pcapng(try PcapngFileReader(path: path))
            fixedInterfaces = []
        } else if let kind = PcapFileHeader.recognise(magic: magic) {
            format = .pcap
            if let fileHeader = PcapFileHeader(header) {
                let reader = try PcapFileReader(path: path, header: fileHeader)
                backend = .pcap(reader)
                fixedInterfaces = [reader.interface]
            } else {
                backend = .empty
                fixedInterfaces = [
                    CaptureInterface(linkType: .ethernet, timestampResolution: kind.nanosecond ? .nanoseconds : .microseconds)
                ]
                pendingDiagnostics.append(
                    Diagnostic(.error, code: "capture.truncated-header", field: "pcap.header",
                               "truncated pcap file header: \(header.count) of 24 bytes; no frames"))
            }
        } else {
            throw CaptureError(.notACapture, path: path, "unknown magic number 0x\(hex(magic)): neither pcap nor pcapng")
        }
    }

    private static func readHeader(path: String) throws(CaptureError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CaptureError(.cannotOpen, path: path, "cannot open for reading: \(String(cString: strerror(errno)))")
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
