#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole (small) side file: `--keys`, `--signalling`. Nil with the reason when it cannot.
enum FileBytes {
    /// Side files are key tables and signalling logs; anything bigger is a mistake.
    static let maxSize = 64 << 20

    static func read(_ path: String) -> Result<[UInt8], KeyFileProblem> {
        guard let f = fopen(path, "rb") else {
            return .failure(KeyFileProblem("cannot open: \(String(cString: strerror(errno)))"))
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if out.count > maxSize { return .failure(KeyFileProblem("larger than \(maxSize >> 20) MiB")) }
            if n < chunk.count {
                if ferror(f) != 0 { return .failure(KeyFileProblem("read error: \(String(cString: strerror(errno)))")) }
                break
            }
        }
        return .success(out)
    }
}

struct KeyFileProblem: Error {
    var message: String
    init(_ m: String) { message = m }
}
