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
}
