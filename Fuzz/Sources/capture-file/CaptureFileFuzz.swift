// Fuzz target: the capture reader (pcap through libpcap, pcapng through our block reader): file
// headers, record headers, caplen and snap length, block lengths, options, interfaces, timestamps.
//
// The input is written to a file (the reader's API is path-based) and read to the end. libpcap
// itself is C and not ours to fix; what is tested is our handling of what it returns.
#if canImport(Glibc)
import Glibc
#endif
import Capture
import FuzzSupport

/// One file per process, so that parallel fuzzing jobs (`-jobs=N`) do not share it. In /dev/shm
/// (tmpfs) when there is one: on a disk file system, truncating and rewriting the file cost a fifth of
/// each execution.
private let directory: String = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
private let path: String = {
    let p = "\(directory)/srtpdump-fuzz-capture-\(getpid()).bin"
    // Removed when libFuzzer exits normally (a crash leaves it, next to the artifact it reproduces).
    atexit { unlink("\(directory)/srtpdump-fuzz-capture-\(getpid()).bin") }
    return p
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0o600)
    guard fd >= 0 else { return 0 }
    var written = 0
    while written < count {
        let n = write(fd, start + written, count - written)
        if n <= 0 { break }
        written += n
    }
    close(fd)
    guard let reader = try? CaptureReader(path: path) else { return 0 }
    _ = reader.interfaces
    var frame = Frame()
    var frames = 0
    while reader.next(into: &frame) && frames < 100_000 {
        frames += 1
        _ = reader.takeDiagnostics()
    }
    _ = reader.takeDiagnostics()
    _ = reader.takeOtherBlocks()
    _ = reader.sectionCount
    return 0
}
