#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes frames to a capture file in the input's format, keeping each frame's interface and link
/// type, timestamp, and original and captured lengths: what `srtpdump decrypt` uses to write a
/// decrypted capture whose frames may have changed length.
///
/// Classic pcap goes through libpcap's dump API; pcapng through our own block writer (libpcap 1.10
/// cannot write pcapng). The file is written under a temporary name in the same directory and renamed
/// onto `path` by `close()`, so an interrupted run never leaves a half-written capture under the final
/// name; a writer dropped without `close()` removes its temporary file.
///
/// `path` "-" writes to standard output instead, straight through (a pipe has no name to rename onto),
/// so that a decrypted capture can go on to another program (`-w - | wireshark -k -i -`); a terminal
/// is refused, since a capture printed there is only noise.
///
/// ```swift
/// let writer = try CaptureWriter(path: "out.pcapng", like: reader)
/// while reader.next(into: &frame) {
///     try writer.adoptInterfaces(reader.interfaces)
///     try writer.write(frame)
/// }
/// try writer.close()
/// ```
public final class CaptureWriter {
    private enum Backend {
        case pcap(PcapDumpWriter)
        case pcapng(PcapngFileWriter)
    }

    public let path: String
    public let format: CaptureFormat
    // Read on every frame (`write`), so stored without runtime exclusivity checks: every access is one
    // statement of this file on the thread that owns the writer (it is not Sendable), none overlaps
    // another, and input decides only the values.
    @exclusivity(unchecked) public private(set) var interfaces: [CaptureInterface] = []
    /// The file written until `close()` renames it onto `path`; nil when writing to standard output.
    private let temporaryPath: String?
    /// Its `InterruptCleanup` slot, so that ^C during the pass removes it too.
    private var cleanupSlot: Int?
    @exclusivity(unchecked) private var backend: Backend?

    /// Creates `path` (through a temporary file) in `format`.
    ///
    /// - Parameters:
    ///   - interfaces: the interfaces known now; classic pcap takes exactly one. pcapng interfaces met
    ///     later are added with `addInterface` / `adoptInterfaces`.
    ///   - input: the capture being read, if any: the writer refuses to write onto it (same device and
    ///     inode, so also through symbolic and hard links).
    public init(path: String, format: CaptureFormat, interfaces: [CaptureInterface], input: String? = nil) throws(CaptureError) {
        let toStandardOutput = path == Self.standardOutput
        // Standard output redirected onto the input (`> in.pcap` has already emptied it, but `>> in.pcap`
        // has not) is the same file by device and inode, as a named output would be.
        if let input, FileIdentity.sameFile(toStandardOutput ? "/dev/stdout" : path, input) {
            throw CaptureError(.outputIsInput, path: path, "refusing to write onto the input capture \(input)")
        }
        if toStandardOutput, isatty(STDOUT_FILENO) == 1 {
            throw CaptureError(
                .cannotWrite, path: path,
                "standard output is a terminal: give -w a file name, or send it to a program (-w - | wireshark -k -i -)")
        }
        // Said now, not when the finished file is renamed onto it after the whole pass.
        var st = stat()
        if !toStandardOutput, path.hasSuffix("/") || (stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR) {
            throw CaptureError(.cannotWrite, path: path, "is a directory: give a file name to write the capture to")
        }
        self.path = path
        self.format = format
        let fd: Int32
        let temporary: String?
        if toStandardOutput {
            // A descriptor of our own: the writer closes it when done, and fd 1 stays open for the process.
            fd = dup(STDOUT_FILENO)
            guard fd >= 0 else { throw CaptureError(.cannotWrite, path: path, "standard output: \(errnoText())") }
            temporary = nil
        } else {
            (fd, temporary) = try Self.createTemporary(near: path)
        }
        temporaryPath = temporary
        cleanupSlot = temporary.flatMap(InterruptCleanup.register)
        switch format {
        case .pcap:
            guard interfaces.count == 1, let interface = interfaces.first else {
                _ = posixClose(fd)
                if let temporary { unlink(temporary) }
                forgetTemporary()
                throw CaptureError(.unsupportedFrame, path: path, "a classic pcap file has exactly one interface, not \(interfaces.count)")
            }
            do throws(CaptureError) {
                backend = .pcap(try PcapDumpWriter(fd: fd, path: path, interface: interface))
            } catch {
                if let temporary { unlink(temporary) }
                forgetTemporary()
                throw error
            }
            self.interfaces = interfaces
        case .pcapng:
            backend = .pcapng(PcapngFileWriter(fd: fd))
            do throws(CaptureError) {
                try withPcapng { w throws(CaptureError) in try w.writeSectionHeader() }
                for interface in interfaces { try addInterface(interface) }
            } catch {
                discard()
                throw error
            }
        }
    }

    /// A writer for `path` in the format, and with the interfaces known so far, of `reader`; it refuses
    /// to write onto `reader`'s file.
    public convenience init(path: String, like reader: CaptureReader) throws(CaptureError) {
        try self.init(path: path, format: reader.format, interfaces: reader.interfaces, input: reader.path)
    }

    /// The `path` that means standard output.
    public static let standardOutput = "-"

    deinit { discard() }

    private func discard() {
        switch backend {
        case .pcap(let w): w.abandon()
        case .pcapng(let w): w.abandon()
        case nil: break
        }
        if backend != nil, let temporaryPath { unlink(temporaryPath) }
        backend = nil
        forgetTemporary()
    }

    /// The temporary file is gone (renamed or removed): ^C has nothing left to remove.
    private func forgetTemporary() {
        InterruptCleanup.unregister(cleanupSlot)
        cleanupSlot = nil
    }

    private static func createTemporary(near path: String) throws(CaptureError) -> (Int32, String) {
        let directory: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            directory = String(path[...slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = ""
            name = path
        }
        for attempt in 0..<100 {
            let candidate = "\(directory).\(name).tmp-\(getpid())-\(attempt)"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 { return (fd, candidate) }
            if errno != EEXIST {
                throw CaptureError(.cannotWrite, path: path, "cannot create \(candidate): \(errnoText())")
            }
        }
        throw CaptureError(.cannotWrite, path: path, "cannot find a free temporary name beside it")
    }

    private func withPcapng(_ body: (PcapngFileWriter) throws(CaptureError) -> Void) throws(CaptureError) {
        guard case .pcapng(let w) = backend else { return }
        try body(w)
    }

    /// Declares another interface (pcapng only; classic pcap has one, given at creation).
    public func addInterface(_ interface: CaptureInterface) throws(CaptureError) {
        switch backend {
        case .pcap:
            throw CaptureError(.unsupportedFrame, path: path, "a classic pcap file cannot hold a second interface (\(interface.linkType))")
        case .pcapng(let w):
            try w.writeInterface(interface)
            interfaces.append(interface)
        case nil:
            throw CaptureError(.cannotWrite, path: path, "writer is closed")
        }
    }

    /// Adds the interfaces of `all` beyond those the writer has: call with a reader's `interfaces`
    /// before writing each frame, since pcapng interfaces can be declared anywhere in a file.
    public func adoptInterfaces(_ all: [CaptureInterface]) throws(CaptureError) {
        guard all.count > interfaces.count, format == .pcapng else { return }
        for interface in all[interfaces.count...] { try addInterface(interface) }
    }

    /// Writes one frame: its bytes, captured length `data.count`, `originalLength`, timestamp, and
    /// `interfaceID` (which must name a known interface whose link type is the frame's). A failed write
    /// throws at the record that hit it (classic pcap: when stdio's buffer is written, so up to 1 MiB later).
    public func write(_ frame: Frame) throws(CaptureError) {
        guard frame.interfaceID >= 0, frame.interfaceID < interfaces.count else {
            throw CaptureError(.unsupportedFrame, path: path, "frame \(frame.number): interface \(frame.interfaceID) is not declared in the output")
        }
        let interface = interfaces[frame.interfaceID]
        guard interface.linkType == frame.linkType else {
            throw CaptureError(.unsupportedFrame, path: path,
                               "frame \(frame.number): link type \(frame.linkType) differs from its interface's \(interface.linkType)")
        }
        do throws(CaptureError) {
            switch backend {
            case .pcap(let w): try w.write(frame)
            case .pcapng(let w): try w.writePacket(frame, interface: interface)
            case nil: throw CaptureError(.cannotWrite, "writer is closed")
            }
        } catch {
            throw CaptureError(.cannotWrite, path: path, "frame \(frame.number): \(error.message)")
        }
    }

    /// Copies a block the reader did not interpret (`CaptureReader.takeOtherBlocks`) into a pcapng
    /// output. Returns false, writing nothing, when it cannot be copied faithfully: classic pcap output,
    /// a block from a big-endian section (its body would need field-by-field conversion), or an
    /// Interface Statistics Block (type 5) from a second or later section, whose interface number
    /// counts within its own section while the output has one section numbering them all.
    @discardableResult
    public func copy(_ block: PcapngBlock) throws(CaptureError) -> Bool {
        guard case .pcapng(let w) = backend, !block.bigEndian, !(block.type == 5 && block.section > 0) else { return false }
        try w.writeBlock(type: block.type, body: block.body)
        return true
    }

    /// Finishes the file and renames it onto `path`.
    public func close() throws(CaptureError) {
        guard let backend else { return }
        do throws(CaptureError) {
            switch backend {
            case .pcap(let w): try w.finish()
            case .pcapng(let w): try w.finish()
            }
        } catch {
            discard()
            throw CaptureError(.cannotWrite, path: path, error.message)
        }
        self.backend = nil
        guard let temporaryPath else { return }
        defer { forgetTemporary() }
        guard rename(temporaryPath, path) == 0 else {
            let reason = errnoText()
            unlink(temporaryPath)
            throw CaptureError(.cannotWrite, path: path, "cannot rename \(temporaryPath) onto it: \(reason)")
        }
    }
}
