// Fuzz target: the media-plane header parsers: RTP (CSRCs, one- and two-byte header extensions,
// padding), RTCP compounds, STUN (attributes, XOR addresses, TURN data and channel), TURN
// ChannelData, DTLS records, and the classifier that picks among them.
import Datagrams
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))[...]
    if let rtp = try? RTPHeader.parse(bytes) {
        _ = rtp.csrcs(in: bytes)
        _ = try? rtp.extension?.elements(in: bytes)
    }
    _ = try? RTCPCompound.parse(bytes)
    if let stun = try? STUNMessage.parse(bytes) {
        if let attributes = try? stun.attributes(in: bytes) {
            for a in attributes { _ = stun.xorAddress(a, in: bytes) }
        }
        _ = stun.channelNumber(in: bytes)
        if let r = stun.dataRange(in: bytes) { _ = PayloadClassifier.classify(bytes[r]) }
    }
    if let cd = try? TURNChannelData.parse(bytes) { _ = PayloadClassifier.classify(bytes[cd.payloadRange]) }
    _ = try? DTLSRecord.parse(bytes)
    _ = PayloadClassifier.classify(bytes, heuristics: true)
    _ = PayloadClassifier.isSIPStartLine(bytes)
    // Slices not starting at index 0, as the decoder hands them over.
    if bytes.count > 3 {
        let inner = bytes.dropFirst(3)
        _ = try? RTPHeader.parse(inner)
        _ = try? RTCPCompound.parse(inner)
        _ = try? STUNMessage.parse(inner)
    }
    return 0
}
