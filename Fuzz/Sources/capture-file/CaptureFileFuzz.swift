// Fuzz target: the capture reader (pcap through libpcap, pcapng through our block reader): file
// headers, record headers, caplen and snap length, block lengths, options, interfaces, timestamps.
//
// The input is written to a file (the reader's API is path-based) and read to the end. libpcap
// itself is C and not ours to fix; what is tested is our handling of what it returns.
import Capture
import FuzzSupport

private let file = ScratchFile("capture")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard file.write(start, count) else { return 0 }
    guard let reader = try? CaptureReader(path: file.path) else { return 0 }
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
