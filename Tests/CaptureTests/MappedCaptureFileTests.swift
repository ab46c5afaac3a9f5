// The mapping classic pcap is read through (MappedCaptureFile): what it refuses, and that giving pages
// back as reading goes on never changes the bytes read.
import Testing

@testable import Capture

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct MappedCaptureFileTests {
    @Test func refusesWhatCannotBeMapped() throws {
        let dir = try TestFiles.scratchDirectory()
        let empty = dir + "/empty.pcap"
        try TestFiles.write([], to: empty)
        defer { TestFiles.remove(dir) }
        #expect(MappedCaptureFile(path: empty) == nil)
        #expect(MappedCaptureFile(path: dir) == nil)  // a directory
        #expect(MappedCaptureFile(path: dir + "/no-such-file") == nil)
    }

    /// 3.5 MiB of a counter pattern read back in uneven pieces, with `consumed` called after each piece
    /// (so that whole MiB are given back behind the reader, and stdio's buffer straddles the boundary).
    @Test func bytesReadThroughTheMappingAreTheFiles() throws {
        let dir = try TestFiles.scratchDirectory()
        let path = dir + "/mapped.bin"
        let count = 3 * (1 << 20) + (1 << 19) + 7
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        try TestFiles.write(bytes, to: path)
        defer { TestFiles.remove(dir) }
        let mapping = try #require(MappedCaptureFile(path: path))
        defer { fclose(mapping.file) }
        var got: [UInt8] = []
        got.reserveCapacity(count)
        var piece = [UInt8](repeating: 0, count: 70_000)
        let sizes = [16, 214, 1, 69_999, 4096, 333]
        var i = 0
        while true {
            let want = sizes[i % sizes.count]
            i += 1
            let n = piece.withUnsafeMutableBytes { fread($0.baseAddress, 1, want, mapping.file) }
            got += piece[0..<n]
            mapping.consumed(upTo: Int64(got.count))
            if n < want { break }
        }
        #expect(got.count == count)
        #expect(got == bytes)
    }

    /// Another process cutting the capture while it is read (log rotation, a copy being replaced): the
    /// pages past the new end fault (SIGBUS) when touched; the guard reads them as zeros and the reader
    /// stops at the last record the file still holds whole, with a diagnostic, instead of dying.
    @Test func fileCutWhileReadStopsWithADiagnostic() throws {
        let dir = try TestFiles.scratchDirectory()
        let path = dir + "/shrinking.pcap"
        defer { TestFiles.remove(dir) }
        // 2,000 records of 200 bytes, each filled with its own index, Ethernet link type.
        var file: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8)
        file += [0xFF, 0xFF, 0, 0, 1, 0, 0, 0]
        let records = 2_000
        let size = 200
        for i in 0..<records {
            let seconds = UInt32(i)
            file += [UInt8(seconds & 0xFF), UInt8(seconds >> 8), 0, 0, 0, 0, 0, 0]
            file += [UInt8(size), 0, 0, 0, UInt8(size), 0, 0, 0]
            file += [UInt8](repeating: UInt8(truncatingIfNeeded: i % 251 + 1), count: size)
        }
        try TestFiles.write(file, to: path)
        let reader = try CaptureReader(path: path)
        var frame = Frame()
        var read = 0
        while read < 10, reader.next(into: &frame) { read += 1 }
        let cut = 200_000
        #expect(truncate(path, off_t(cut)) == 0)
        var intact = true
        while reader.next(into: &frame) {
            read += 1
            let fill = UInt8(truncatingIfNeeded: (read - 1) % 251 + 1)
            if frame.data.count != size || frame.data.contains(where: { $0 != fill }) { intact = false }
        }
        // Only the records wholly before the cut: none read from the zeros past it.
        #expect(read == (cut - 24) / (16 + size))
        #expect(intact)
        let shrank = reader.takeDiagnostics().filter { $0.code == "capture.file-shrank" }
        #expect(shrank.count == 1)
        #expect(shrank.first?.frame == read + 1)
        #expect(shrank.first?.field == "pcap.record")
    }
}
