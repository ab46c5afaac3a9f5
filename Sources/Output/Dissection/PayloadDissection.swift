import Capture
import Datagrams

/// The application layer of one frame, parsed once and shared by the text, tree and JSON formatters.
///
/// `Datagrams` classifies the transport payload; this parses the header that classification implies.
/// TURN ChannelData is unwrapped one level (RFC 8656 §12.4) and its inner payload dissected too.
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
    public static func dissect(_ payload: ArraySlice<UInt8>, as classification: Classification) -> PayloadDissection {
        do {
            switch classification.kind {
            case .rtp: return .rtp(try RTPHeader.parse(payload))
            case .rtcp: return .rtcp(try RTCPCompound.parse(payload))
            case .stun: return .stun(try STUNMessage.parse(payload))
            case .dtls: return .dtls(try DTLSRecord.parse(payload))
            case .sip: return .sip(SIPSummary.parse(payload))
            case .turnChannelData:
                let cd = try TURNChannelData.parse(payload)
                let inner = payload[cd.payloadRange]
                let innerClass = PayloadClassifier.classify(inner)
                let innerDissection = innerClass.kind == .unknown ? nil : dissect(inner, as: innerClass)
                return .turnChannelData(cd, inner: innerDissection)
            case .unknown: return .none
            }
        } catch {
            return .malformed(kind: classification.kind, error: error)
        }
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
