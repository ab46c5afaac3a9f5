import Capture
import Datagrams

/// The application layer of one frame, parsed once and shared by the text, tree and JSON formatters.
///
/// `Datagrams` classifies the transport payload; this parses the header that classification implies.
/// TURN ChannelData is unwrapped one level (RFC 8656 §12.4) and its inner payload dissected too; a
/// ChannelData inside that is shown by its header alone (`nested`).
public enum PayloadDissection: Sendable {
    case rtp(RTPHeader)
    case rtcp(RTCPCompound)
    case stun(STUNMessage)
    case dtls(DTLSRecord)
    case sip(SIPSummary)
    /// ChannelData with the dissection of what it carries (relative to the ChannelData payload). Only
    /// this case is boxed (`indirect`): the others are dissected per frame without a heap allocation.
    indirect case turnChannelData(TURNChannelData, inner: PayloadDissection?)
    /// A payload the classifier claimed but whose header then failed to parse (kept for the diagnostic).
    case malformed(kind: PayloadKind, error: ParseError)
    case none

    /// Dissects `payload` according to `classification`. Never throws: a header that does not parse
    /// becomes `.malformed` with the parser's error, which the caller reports as a diagnostic.
    ///
    /// `nested`: the payload is itself carried by TURN (ChannelData, a Send or Data indication), so a
    /// ChannelData found there is not unwrapped again. Unwrapping every level would recurse once per
    /// 4-byte header: a hostile 64 KB datagram nests 16,000 of them and overflowed the stack.
    public static func dissect(
        _ payload: ArraySlice<UInt8>, as classification: Classification, nested: Bool = false
    ) -> PayloadDissection {
        do {
            switch classification.kind {
            case .rtp: return .rtp(try RTPHeader.parse(payload))
            case .rtcp: return .rtcp(try RTCPCompound.parse(payload))
            case .stun: return .stun(try STUNMessage.parse(payload))
            case .dtls: return .dtls(try DTLSRecord.parse(payload))
            case .sip: return .sip(SIPSummary.parse(payload))
            case .turnChannelData:
                let cd = try TURNChannelData.parse(payload)
                guard !nested else { return .turnChannelData(cd, inner: nil) }
                let inner = payload[cd.payloadRange]
                let innerClass = PayloadClassifier.classify(inner)
                let innerDissection = innerClass.kind == .unknown ? nil : dissect(inner, as: innerClass, nested: true)
                return .turnChannelData(cd, inner: innerDissection)
            case .unknown: return .none
            }
        } catch {
            return .malformed(kind: classification.kind, error: error)
        }
    }

    /// A ChannelData message carried inside ChannelData: what a relay never sends (RFC 8656 §12.4 carries
    /// the peer's datagram), shown by its header and reported, not unwrapped further.
    public var nestsChannelData: Bool {
        if case .turnChannelData(_, .turnChannelData?) = self { return true }
        return false
    }

    /// Short protocol name for the summary line, as tshark's Protocol column would show it.
    public var protocolName: String {
        switch self {
        case .rtp: "RTP"
        case .rtcp: "RTCP"
        case .stun: "STUN"
        case .dtls: "DTLS"
        case .sip: "SIP"
        case .turnChannelData(_, let inner): inner.map { "TURN/\($0.protocolName)" } ?? "TURN"
        case .malformed(let kind, _): kind.rawValue.uppercased()
        case .none: ""
        }
    }
}
