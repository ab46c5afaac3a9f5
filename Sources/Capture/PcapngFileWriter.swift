#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes pcapng blocks (draft-ietf-opsawg-pcapng §4): one little-endian section, an Interface
/// Description Block per interface carrying its link type, snap length, `if_tsresol`, `if_tsoffset`
/// and name, and an Enhanced Packet Block per frame. Output is buffered and written in large chunks.
final class PcapngFileWriter {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20

    /// Takes ownership of `fd`.
    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(flushThreshold + 65_536)
    }

    deinit { abandon() }

    private func u16(_ v: UInt16) {
        buffer.append(UInt8(truncatingIfNeeded: v))
        buffer.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    private func u32(_ v: UInt32) {
        buffer.append(UInt8(truncatingIfNeeded: v))
        buffer.append(UInt8(truncatingIfNeeded: v >> 8))
        buffer.append(UInt8(truncatingIfNeeded: v >> 16))
        buffer.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    private func pad() {
        while buffer.count % 4 != 0 { buffer.append(0) }
    }

    private func option(_ code: UInt16, _ value: [UInt8]) {
        u16(code)
        u16(UInt16(truncatingIfNeeded: value.count))
        buffer.append(contentsOf: value)
        pad()
    }

    /// Appends a block: type, total length, `body` (called to append the body), padding, total length.
    private func block(_ type: UInt32, _ body: () -> Void) throws(CaptureError) {
        let start = buffer.count
        u32(type)
        u32(0)
        body()
        pad()
        let length = UInt32(truncatingIfNeeded: buffer.count - start + 4)
        u32(length)
        for i in 0..<4 { buffer[start + 4 + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(i))) }
        if buffer.count >= flushThreshold { try flush() }
    }

    func writeSectionHeader() throws(CaptureError) {
        try block(0x0A0D_0D0A) {
            u32(0x1A2B_3C4D)  // byte-order magic, written little-endian
            u16(1)
            u16(0)
            u32(0xFFFF_FFFF)  // section length -1: not specified (§4.1)
            u32(0xFFFF_FFFF)
            option(4, Array("srtpdump".utf8))  // shb_userappl
            u32(0)  // opt_endofopt
        }
    }

    func writeInterface(_ interface: CaptureInterface) throws(CaptureError) {
        try block(1) {
            u16(UInt16(truncatingIfNeeded: interface.linkType.rawValue))
            u16(0)
            u32(interface.snapLength)
            if let name = interface.name { option(2, Array(name.utf8.prefix(65_535))) }
            if let text = interface.interfaceDescription { option(3, Array(text.utf8.prefix(65_535))) }
            if interface.timestampResolution != .microseconds { option(9, [interface.timestampResolution.rawValue]) }
            if interface.timestampOffset != 0 {
                let v = UInt64(bitPattern: interface.timestampOffset)
                option(14, (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) })
            }
            u32(0)
        }
    }

    func writePacket(_ frame: Frame, interface: CaptureInterface) throws(CaptureError) {
        let units = interface.timestampResolution.units(for: frame.timestamp, offset: interface.timestampOffset)
        try block(6) {
            u32(UInt32(truncatingIfNeeded: frame.interfaceID))
            u32(UInt32(truncatingIfNeeded: units >> 32))
            u32(UInt32(truncatingIfNeeded: units))
            u32(UInt32(truncatingIfNeeded: frame.data.count))
            u32(UInt32(truncatingIfNeeded: frame.originalLength))
            buffer.append(contentsOf: frame.data)
        }
    }

    func writeBlock(type: UInt32, body: [UInt8]) throws(CaptureError) {
        try block(type) { buffer.append(contentsOf: body) }
    }

    private func flush() throws(CaptureError) {
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return posixWrite(fd, base + written, bytes.count - written)
            }
            if n > 0 {
                written += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw CaptureError(.cannotWrite, "write failed: \(errnoText())")
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws(CaptureError) {
        guard fd >= 0 else { return }
        do throws(CaptureError) {
            try flush()
        } catch {
            abandon()
            throw error
        }
        let status = posixClose(fd)
        fd = -1
        guard status == 0 else { throw CaptureError(.cannotWrite, "close failed: \(errnoText())") }
    }

    func abandon() {
        guard fd >= 0 else { return }
        _ = posixClose(fd)
        fd = -1
    }
}
