internal import CMappingGuard

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A capture file mapped into memory and handed to libpcap as a `FILE` that reads from the mapping
/// (fmemopen(3)). Through `fopen`, every refill of stdio's buffer is a read(2): the kernel copies the
/// page cache into the buffer (`_copy_to_iter`, 5–6 % of `decrypt -w`, plus the system call). Over a
/// mapping the refill is a `memcpy` from pages that fault in 64 KiB at a time: measured, the system time
/// of `decrypt -w` on 500,000 packets fell from ~0.20 s to ~0.07 s (Docs/PERFORMANCE.md, round 3).
///
/// The stream stays buffered: glibc refills an *unbuffered* stream through `_IO_file_underflow`, which
/// first flushes every line-buffered stream of the process (`_IO_flush_all_linebuffered`, a walk of all
/// `FILE`s under a lock), on each of libpcap's two `fread`s per record: measured 4× slower overall.
///
/// Pages already read are given back (`MADV_DONTNEED`) every `releaseStep` bytes, so that the resident
/// size stays flat whatever the file's size (issue 7): a mapped page that was touched counts in the
/// process's RSS until it is unmapped or dropped.
///
/// Only regular, non-empty files are mapped; `init` returns nil for anything else (a pipe, a device, a
/// failed `mmap`), and the caller reads through stdio. The mapping covers the file's size at open, so
/// bytes appended later (a capture still being written) are not read. A file truncated by another
/// process while it is read makes the pages past its new end fault (SIGBUS), as for any mapped file: the
/// mapping is registered with a SIGBUS guard (`CMappingGuard`) that maps zeros over such a page and
/// raises `faulted`; the reader then asks `currentSize` and stops at the last record the file still
/// holds whole, with a diagnostic, instead of the process dying.
final class MappedCaptureFile {
    /// The stream over the mapping. Whoever takes it (libpcap, via `pcap_fopen_offline*`) closes it;
    /// the mapping is removed by `deinit`, which must run after that close.
    let file: UnsafeMutablePointer<FILE>
    private let base: UnsafeMutableRawPointer
    private let length: Int
    private let pageSize: Int
    /// Bytes from the start already given back.
    private var released = 0
    /// The file, kept open to learn its size after a fault.
    private let descriptor: Int32
    /// Set by the SIGBUS guard when a page past the file's (new) end was read as zeros; nil when the
    /// guard could not be registered (the mapping then works unguarded).
    private let faultFlag: UnsafeMutablePointer<Int32>?

    /// Consumed bytes between two `MADV_DONTNEED` calls.
    static let releaseStep = 1 << 20

    init?(path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0,
            st.st_size <= off_t(Int.max)
        else {
            close(fd)
            return nil
        }
        let length = Int(st.st_size)
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != UnsafeMutableRawPointer(bitPattern: -1)
        else {
            close(fd)
            return nil
        }
        // Read once, front to back: aggressive read-ahead.
        _ = madvise(p, length, MADV_SEQUENTIAL)
        guard let f = fmemopen(p, length, "r") else {
            munmap(p, length)
            close(fd)
            return nil
        }
        // Left fully buffered with stdio's own buffer (BUFSIZ): a refill is a memcpy from the mapping.
        file = f
        base = p
        self.length = length
        pageSize = max(4096, sysconf(Int32(_SC_PAGESIZE)))
        descriptor = fd
        let flag: UnsafeMutablePointer<Int32>? = srtpdump_mapping_guard(p, length)
        faultFlag = flag
    }

    deinit {
        srtpdump_mapping_unguard(base)
        munmap(base, length)
        close(descriptor)
    }

    /// True once some page read past the file's current end (the file shrank while it was read).
    @inline(__always)
    var faulted: Bool { faultFlag.map { $0.pointee != 0 } ?? false }

    /// The file's size now (it may have shrunk since the mapping was made); nil if it cannot be known.
    var currentSize: Int64? {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Says that the bytes before file offset `offset` will not be read again: once `releaseStep` of
    /// them have accumulated, their whole pages are dropped from the process.
    @inline(__always)
    func consumed(upTo offset: Int64) {
        guard offset - Int64(released) >= Int64(Self.releaseStep) else { return }
        release(upTo: Int(min(offset, Int64(length))))
    }

    private func release(upTo offset: Int) {
        let end = offset / pageSize * pageSize
        guard end > released else { return }
        _ = madvise(base + released, end - released, MADV_DONTNEED)
        released = end
    }
}
