// Fuzz target: the frame decoder (link layers, IPv4/IPv6, fragment reassembly, UDP, TCP streams,
// payload classification) and the dissection writers (text tree and JSON) on what it produces.
//
// Input: byte 0 picks the link type (low 3 bits) and the output format (bit 3: JSON, else verbose
// text); then a sequence of frames, each `[u16 length][1 byte: time step and truncation][frame]`.
// A fresh decoder per input, fed several frames, so fragment and TCP state spans frames.
#if canImport(Glibc)
import Glibc
#endif
import Capture
import Datagrams
import FuzzSupport
import Output

private let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .raw, .ipv4, .ipv6, .null, .loop]
private let devNull = OutputStream(fd: open("/dev/null", O_WRONLY))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let selector = input.byte()
    let linkType = linkTypes[Int(selector & 7)]
    let format: DissectionFormat = selector & 8 != 0 ? .json : .text
    let decoder = FrameDecoder()
    let writer = FrameDissectionWriter(format: format, verbose: true, output: devNull)
    var seconds: Int64 = 1_700_000_000
    var number = 0
    while !input.isAtEnd && number < 64 {
        let length = Int(input.u16())
        let control = input.byte()
        // Low 5 bits: seconds since the previous frame (fragment expiry is in capture time);
        // bit 7: the frame was cut short by the snap length (originalLength > captured).
        seconds += Int64(control & 0x1F)
        let data = Array(input.take(length))
        number += 1
        let frame = Frame(
            number: number, timestamp: Timestamp(seconds: seconds, nanoseconds: UInt32(control) * 1000),
            originalLength: data.count + (control & 0x80 != 0 ? Int(control & 0x7F) : 0),
            linkType: linkType, data: data)
        let decoded = decoder.decode(frame)
        writer.write(frame: frame, decoded: decoded, diagnostics: decoded.diagnostics)
    }
    let (_, diagnostics) = decoder.finish()
    for d in diagnostics { writer.write(fileDiagnostic: d) }
    return 0
}
