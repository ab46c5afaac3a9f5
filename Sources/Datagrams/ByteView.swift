// A bounds-checked, read-only view of bytes through a raw pointer, indexed by absolute frame offsets.
//
// The hot path (FrameDecoder over the common Ethernet/IP/UDP/RTP frame) reads through this instead of
// `ArraySlice<UInt8>`: one `withUnsafeBytes` per frame, then plain loads. An `ArraySlice` index costs a
// retain of the array, a bounds check per byte and, across module or closure boundaries, often a copy
// of the slice; this view is two words and a pointer, and every read still checks that the bytes are
// inside [startIndex, endIndex) and returns nil when they are not, so hostile lengths cannot reach
// past the captured data (no unchecked build mode, no unchecked subscripts).

/// What the header parsers read from: bounds-checked loads at absolute indices that return nil outside
/// the bytes. `ArraySlice<UInt8>` (the public API) and `ByteView` (the decoder's hot path) both conform,
/// so each parser has one body. (The link, IPv4 and UDP bodies take a `ByteView` only, for
/// `fixed(_:at:)`; their slice entry points go through `ArraySlice.withByteView`.)
protocol ByteSource {
    var startIndex: Int { get }
    var endIndex: Int { get }
    var count: Int { get }
    func has(_ count: Int, at i: Int) -> Bool
    func u8(at i: Int) -> UInt8?
    func be16(at i: Int) -> UInt16?
    func be32(at i: Int) -> UInt32?
    func be64(at i: Int) -> UInt64?
    func le32(at i: Int) -> UInt32?
}

extension ArraySlice: ByteSource where Element == UInt8 {}

/// Bytes `[startIndex, endIndex)` of a buffer, where `base` points at absolute index `startIndex`.
/// Valid only inside the `withUnsafeBytes` call that produced it.
struct ByteView: ByteSource {
    let base: UnsafeRawPointer?
    let startIndex: Int
    let endIndex: Int

    @inline(__always)
    init(base: UnsafeRawPointer?, startIndex: Int, endIndex: Int) {
        self.base = base
        self.startIndex = startIndex
        self.endIndex = endIndex
    }

    /// The whole of `buffer`, its first byte at absolute index `startIndex`.
    @inline(__always)
    init(_ buffer: UnsafeRawBufferPointer, startIndex: Int = 0) {
        self.init(base: buffer.baseAddress, startIndex: startIndex, endIndex: startIndex &+ buffer.count)
    }

    @inline(__always) var count: Int { endIndex &- startIndex }
    @inline(__always) var isEmpty: Bool { endIndex == startIndex }

    /// True when `count` bytes starting at absolute index `i` are inside the view.
    @inline(__always)
    func has(_ count: Int, at i: Int) -> Bool {
        count >= 0 && i >= startIndex && i <= endIndex &- count
    }

    /// A sub-view over the absolute range `r`, or nil when `r` is not inside this view.
    @inline(__always)
    func slice(_ r: Range<Int>) -> ByteView? {
        guard r.lowerBound >= startIndex, r.upperBound <= endIndex else { return nil }
        return ByteView(
            base: base.map { $0 + (r.lowerBound &- startIndex) }, startIndex: r.lowerBound, endIndex: r.upperBound)
    }

    /// The view from absolute index `i` to the end (empty when `i` is past it).
    @inline(__always)
    func suffix(from i: Int) -> ByteView {
        let from = min(max(i, startIndex), endIndex)
        return ByteView(base: base.map { $0 + (from &- startIndex) }, startIndex: from, endIndex: endIndex)
    }

    /// The `count` bytes at absolute index `i` as a `FixedBytes`, or nil when they are not all inside the
    /// view: one bounds check for a whole fixed header, instead of one per field.
    @inline(__always)
    func fixed(_ count: Int, at i: Int) -> FixedBytes? {
        guard has(count, at: i), let b = base else { return nil }
        return FixedBytes(base: b + (i &- startIndex), count: count)
    }

    /// A `T` read from absolute index `i` in the byte order of the buffer, or nil when its bytes are not
    /// all inside the view.
    @inline(__always)
    private func load<T: FixedWidthInteger>(_ i: Int, as: T.Type) -> T? {
        guard has(MemoryLayout<T>.size, at: i), let b = base else { return nil }
        return b.loadUnaligned(fromByteOffset: i &- startIndex, as: T.self)
    }

    @inline(__always) func u8(at i: Int) -> UInt8? { load(i, as: UInt8.self) }
    @inline(__always) func be16(at i: Int) -> UInt16? { load(i, as: UInt16.self).map { UInt16(bigEndian: $0) } }
    @inline(__always) func be32(at i: Int) -> UInt32? { load(i, as: UInt32.self).map { UInt32(bigEndian: $0) } }
    @inline(__always) func be64(at i: Int) -> UInt64? { load(i, as: UInt64.self).map { UInt64(bigEndian: $0) } }
    @inline(__always) func le32(at i: Int) -> UInt32? { load(i, as: UInt32.self).map { UInt32(littleEndian: $0) } }
}

extension ByteSource {
    /// The RFC 1071 one's-complement sum (not folded) of the bytes at absolute indices `range`, which the
    /// caller has checked are inside; a byte outside counts as zero.
    @inline(__always)
    func onesComplementSum(_ range: Range<Int>, initial: UInt64 = 0) -> UInt64 {
        var sum = initial
        var i = range.lowerBound
        while i &+ 1 < range.upperBound {
            sum &+= UInt64(be16(at: i) ?? 0)
            i &+= 2
        }
        if i < range.upperBound { sum &+= UInt64(u8(at: i) ?? 0) << 8 }
        return sum
    }
}

/// `count` bytes known to be inside a `ByteView` (checked once by `ByteView.fixed(_:at:)`), read at
/// offsets relative to their start. A parser reads a fixed header at constant offsets: each read still
/// checks that it is inside `count` (and yields 0 otherwise, never reading past), but with a constant
/// offset and a constant `count` the check folds away when the parser is compiled.
struct FixedBytes {
    let base: UnsafeRawPointer
    let count: Int

    @inline(__always)
    private func load<T: FixedWidthInteger>(_ k: Int, as: T.Type) -> T {
        guard k >= 0, k <= count &- MemoryLayout<T>.size else { return 0 }
        return base.loadUnaligned(fromByteOffset: k, as: T.self)
    }

    @inline(__always) func u8(_ k: Int) -> UInt8 { load(k, as: UInt8.self) }
    @inline(__always) func be16(_ k: Int) -> UInt16 { UInt16(bigEndian: load(k, as: UInt16.self)) }
    @inline(__always) func be32(_ k: Int) -> UInt32 { UInt32(bigEndian: load(k, as: UInt32.self)) }
    @inline(__always) func be64(_ k: Int) -> UInt64 { UInt64(bigEndian: load(k, as: UInt64.self)) }
}

extension ArraySlice where Element == UInt8 {
    /// Runs `body` over a `ByteView` of this slice, indexed like the slice (absolute frame offsets): how
    /// the public parsers taking a slice reach the one parser body, written over `ByteView`.
    @inline(__always)
    func withByteView<R>(_ body: (ByteView) throws(ParseError) -> R) throws(ParseError) -> R {
        let start = startIndex
        let result: Result<R, ParseError> = withUnsafeBytes { raw in
            Result { () throws(ParseError) -> R in try body(ByteView(raw, startIndex: start)) }
        }
        return try result.get()
    }
}
