// Test support: read a whole capture into an array.
import Capture

struct ReadResult {
    var frames: [Frame]
    var diagnostics: [Diagnostic]
    var interfaces: [CaptureInterface]
    var otherBlocks: [PcapngBlock]
}

func readAll(_ path: String, filter: PacketFilter? = nil) throws -> ReadResult {
    let reader = try CaptureReader(path: path, filter: filter)
    var frame = Frame()
    var frames: [Frame] = []
    var blocks: [PcapngBlock] = []
    while reader.next(into: &frame) {
        frames.append(frame)
        blocks += reader.takeOtherBlocks()
    }
    blocks += reader.takeOtherBlocks()
    return ReadResult(frames: frames, diagnostics: reader.takeDiagnostics(), interfaces: reader.interfaces, otherBlocks: blocks)
}

/// Writes `bytes` to a scratch file and reads it back.
func readBytes(_ bytes: [UInt8], name: String = "input.cap") throws -> ReadResult {
    let dir = try TestFiles.scratchDirectory()
    defer { TestFiles.remove(dir) }
    let path = dir + "/" + name
    try TestFiles.write(bytes, to: path)
    return try readAll(path)
}
