// Fuzz target: SIP message parsing (datagram and stream framing), the typed header accessors, the
// body walk (multipart, nested) and the SDP of each part, and the one-line summary of `dissect`.
import Datagrams
import FuzzSupport
import Output
import Signalling

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    for framing in [SIPFraming.datagram, .stream] {
        let result = SIPMessageParser.parse(bytes, framing: framing)
        guard let message = result.message else { continue }
        _ = message.callID
        _ = message.cseq
        _ = message.from
        _ = message.to
        _ = message.vias
        _ = message.securityMechanisms
        _ = message.requiresMediasec
        _ = SIPBody.sessionDescriptions(of: message)
    }
    _ = SIPSummary.parse(bytes[...])
    // The same bytes as a TCP stream, cut into three pieces.
    let framer = SIPStreamFramer()
    let third = bytes.count / 3
    _ = framer.feed(bytes[..<third], frame: 1)
    _ = framer.feed(bytes[third..<(2 * third)], frame: 2)
    _ = framer.feed(bytes[(2 * third)...], frame: 3)
    _ = framer.finish()
    return 0
}
