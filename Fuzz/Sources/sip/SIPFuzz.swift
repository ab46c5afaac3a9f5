// Fuzz target: SIP message parsing (datagram and stream framing), the typed header accessors, the
// body walk (multipart, nested) and the SDP of each part, and the one-line summary of `dissect`.
import Datagrams
import FuzzSupport
import Output
import Signalling

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    // Byte 0 picks one of the three readings (mod 3), the rest is the message: one reading per
    // execution is three times the executions of running all three, and the fuzzer explores each.
    guard count >= 1 else { return 0 }
    let mode = start.load(as: UInt8.self) % 3
    let bytes = Array(UnsafeRawBufferPointer(start: start + 1, count: count - 1))
    switch mode {
    case 0, 1:
        let result = SIPMessageParser.parse(bytes, framing: mode == 0 ? .datagram : .stream)
        if let message = result.message {
            _ = message.callID
            _ = message.cseq
            _ = message.from
            _ = message.to
            _ = message.vias
            _ = message.securityMechanisms
            _ = message.requiresMediasec
            _ = SIPBody.sessionDescriptions(of: message)
        }
        if mode == 0 { _ = SIPSummary.parse(bytes[...]) }
    default:
        // The same bytes as a TCP stream, cut into three pieces.
        let framer = SIPStreamFramer()
        let third = bytes.count / 3
        _ = framer.feed(bytes[..<third], frame: 1)
        _ = framer.feed(bytes[third..<(2 * third)], frame: 2)
        _ = framer.feed(bytes[(2 * third)...], frame: 3)
        _ = framer.finish()
    }
    return 0
}
