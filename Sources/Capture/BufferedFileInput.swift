#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read through read(2) in large chunks, so that block parsing never makes a system call per
/// block. `window(_:)` hands out views into the buffer; they stay valid until the next `fill` or `consume`.
final class BufferedFileInput {
    private let fd: Int32
    private var storage: UnsafeMutableRawBufferPointer
    /// Valid bytes are `storage[start..<end]`.
    private var start = 0
    private var end = 0
    /// File offset of `storage[0]`.
    private var storageOffset: Int64 = 0
    private(set) var reachedEnd = false
    /// Largest request `fill` will grow the buffer for; bigger blocks are refused as malformed.
    let limit: Int

    init?(path: String, chunkSize: Int = 1 << 20, limit: Int = 64 << 20) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.limit = limit
        storage = Self.allocate(Self.initialCapacity(fd: fd, chunkSize: chunkSize))
    }

    /// A small file gets a buffer its own size, not a whole chunk: a 2 KB capture, or a pcapng read
    /// among thousands of small files, need not allocate and fault in 1 MiB. A file of unknown size
    /// (a pipe) or a large one gets the chunk; `fill` grows the buffer for a block bigger than it.
    private static func initialCapacity(fd: Int32, chunkSize: Int) -> Int {
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size >= 0 else {
            return chunkSize
        }
        return Int(min(Int64(chunkSize), max(Int64(status.st_size), 4096)))
    }

    /// Raw storage bound to UInt8, so that frames can be copied out of it as typed bytes.
    private static func allocate(_ count: Int) -> UnsafeMutableRawBufferPointer {
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        _ = raw.bindMemory(to: UInt8.self)
        return raw
    }

    deinit {
        close(fd)
        storage.deallocate()
    }

    /// File offset of the next unconsumed byte.
    var offset: Int64 { storageOffset + Int64(start) }
    var available: Int { end - start }

    /// Makes at least `count` bytes available; false if the file ends first (then `available` says how many are).
    func fill(_ count: Int) -> Bool {
        if end - start >= count { return true }
        guard count <= limit else { return false }
        if count > storage.count {
            // With room to spare past `count`: a resynchronising reader asks for a huge block at every
            // 4-byte step (`PcapngFileReader.resynchronise`), and a buffer of exactly its size would have
            // to slide its whole content back for each step.
            let bigger = Self.allocate(max(count + count / 2, storage.count * 2))
            if end > start, let src = storage.baseAddress, let dst = bigger.baseAddress {
                dst.copyMemory(from: src + start, byteCount: end - start)
            }
            storage.deallocate()
            storage = bigger
            storageOffset += Int64(start)
            end -= start
            start = 0
        } else if storage.count - start < count {
            // Slide the unconsumed tail to the front, only when the request does not fit after it: sliding
            // at every request made a resync past a block claiming 60 MB move 60 MB per 4-byte step.
            if end > start, let base = storage.baseAddress {
                memmove(base, base + start, end - start)
            }
            storageOffset += Int64(start)
            end -= start
            start = 0
        }
        while end - start < count && !reachedEnd {
            guard let base = storage.baseAddress else { return false }
            let n = read(fd, base + end, storage.count - end)
            if n > 0 {
                end += n
            } else if n == 0 {
                reachedEnd = true
            } else if errno != EINTR {
                reachedEnd = true
            }
        }
        return end - start >= count
    }

    /// A view of `count` available bytes from the current position (`count <= available`).
    func window(_ count: Int) -> UnsafeRawBufferPointer {
        let n = min(count, end - start)
        guard let base = storage.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + start, count: n)
    }

    /// Every byte read but not yet consumed.
    var unconsumed: UnsafeRawBufferPointer {
        guard let base = storage.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + start, count: end - start)
    }

    func consume(_ count: Int) {
        start += min(count, end - start)
    }
}

/// Bounds-checked reads of fixed-width integers from a byte view in a given byte order.
/// Every accessor returns nil rather than read past the view.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let bigEndian: Bool

    var count: Int { bytes.count }

    @inline(__always)
    func u16(_ at: Int) -> UInt16? {
        guard at >= 0, at <= bytes.count - 2 else { return nil }
        let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    @inline(__always)
    func u32(_ at: Int) -> UInt32? {
        guard at >= 0, at <= bytes.count - 4 else { return nil }
        let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    @inline(__always)
    func u64(_ at: Int) -> UInt64? {
        guard at >= 0, at <= bytes.count - 8 else { return nil }
        let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }

    /// A sub-view; nil if it would leave the view.
    func slice(_ at: Int, _ length: Int) -> UnsafeRawBufferPointer? {
        guard at >= 0, length >= 0, at <= bytes.count, length <= bytes.count - at else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + length)])
    }
}
