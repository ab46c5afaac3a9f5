import Capture

/// What a datagram (or the start of a TCP segment) carries, and on what evidence.
public enum PayloadKind: String, Hashable, Sendable {
    case stun, dtls, turnChannelData, rtp, rtcp, sip, unknown
}

/// The evidence behind a classification, strongest first.
public enum ClassificationBasis: String, Hashable, Sendable {
    /// STUN's magic cookie (RFC 8489 §5).
    case magicCookie
    /// A SIP request or status line (RFC 3261 §7.1, §7.2).
    case startLine
    /// The first byte's range (RFC 7983 §7) with the header that range implies parsing.
    case firstByte
    /// RTP/RTCP recognised from their headers alone (version 2, plausible type, lengths that fit).
    case heuristic
    case none
}

public struct Classification: Hashable, Sendable {
    public var kind: PayloadKind
    public var basis: ClassificationBasis
    public init(_ kind: PayloadKind, _ basis: ClassificationBasis) {
        self.kind = kind
        self.basis = basis
    }
    public static let unknown = Classification(.unknown, .none)
}

/// Classifies payloads by the demultiplexing rules of RFC 7983 §7 (first byte 0–3 STUN, 20–63 DTLS,
/// 64–79 TURN ChannelData, 128–191 RTP/RTCP) and RFC 5761 §4 (second byte 192–223 is RTCP), with each
/// claim checked against the header it implies, and SIP by its start line on any port.
///
/// Pure and allocation-free: it reads at most the first line of a SIP message and the fixed headers of
/// the others.
public enum PayloadClassifier {
    /// RTP payload types taken as plausible by the heuristic: the static assignments (RFC 3551 §6, 0–34)
    /// and the dynamic range (96–127). 35–71 and 77–95 are unassigned, and 72–76 collide with RTCP (RFC 5761 §4).
    public static func isPlausibleRTPPayloadType(_ pt: UInt8) -> Bool { pt <= 34 || (96...127).contains(pt) }

    /// Classifies `payload`. `heuristics` allows RTP/RTCP to be recognised from their headers; callers
    /// pass false for traffic on well-known ports (below 1024, e.g. DNS on 53), where a version-2-looking
    /// first byte is coincidence.
    public static func classify(_ payload: ArraySlice<UInt8>, heuristics: Bool = true) -> Classification {
        guard let b0 = payload.u8(at: payload.startIndex) else { return .unknown }
        // SIP first: its start line begins with an upper-case letter, which RFC 7983 would read as TURN
        // ChannelData (64–79, "@" to "O", e.g. "INVITE") or nothing (80–127).
        if b0 >= 0x41 && b0 <= 0x5A && isSIPStartLine(payload) { return Classification(.sip, .startLine) }
        switch b0 {
        case 0...3:
            return isSTUN(payload) ? Classification(.stun, .magicCookie) : .unknown
        case 20...63:
            return (try? DTLSRecord.parse(payload)) != nil ? Classification(.dtls, .firstByte) : .unknown
        case 64...79:
            return (try? TURNChannelData.parse(payload)) != nil
                ? Classification(.turnChannelData, .firstByte) : .unknown
        case 128...191:
            return classifyRTPFamily(payload, heuristics: heuristics)
        default:
            return .unknown
        }
    }

    /// The payload classified by the decoder: RTP and RTCP (first byte 128–191) straight from the frame's
    /// bytes, anything else through `classify(_:heuristics:)` over a slice of `array` (the buffer `payload`
    /// views). The order of the checks does not matter: SIP's first byte (65–90) is outside 128–191.
    @inline(__always)
    static func classify(_ payload: ByteView, in array: [UInt8], heuristics: Bool) -> Classification {
        guard let b0 = payload.u8(at: payload.startIndex) else { return .unknown }
        if b0 >= 128 && b0 <= 191 { return classifyRTPFamily(payload, heuristics: heuristics) }
        guard payload.startIndex >= 0, payload.endIndex <= array.count else { return .unknown }
        return classify(array[payload.startIndex..<payload.endIndex], heuristics: heuristics)
    }

    /// RTP or RTCP for a first byte of 128–191 (RFC 7983 §7).
    @inline(__always)
    static func classifyRTPFamily<B: ByteSource>(_ payload: B, heuristics: Bool) -> Classification {
        guard let b1 = payload.u8(at: payload.startIndex + 1) else { return .unknown }
        if (192...223).contains(b1) {
            // RFC 5761 §4: RTCP packet types 192–223 (200–207 in use) cannot be RTP payload types.
            guard isRTCP(payload) else { return .unknown }
            return Classification(.rtcp, (200...207).contains(b1) ? .firstByte : .heuristic)
        }
        // The padding count cannot be checked before decryption: in SRTP it is the last byte of the
        // encrypted payload, and the packet ends with the tag (RFC 3711 §3.1). A packet whose last byte
        // does not fit as a count is still RTP (its dissection reports the count).
        guard heuristics, isPlausibleRTPPayloadType(b1 & 0x7F),
            RTPHeader.isValid(source: payload, checkPadding: false)
        else {
            return .unknown
        }
        return Classification(.rtp, .heuristic)
    }

    /// Why a payload with RTP's first byte (128–191) was not taken as RTP or RTCP: the header error
    /// that stopped it, as a warning naming the field (issue 7: a broken media packet is reported, not
    /// silently shown as plain UDP). Nil when the second byte is no RTP or RTCP type at all.
    static func rejectedMedia(_ payload: ArraySlice<UInt8>, frame: Int) -> Diagnostic? {
        guard let b0 = payload.first, (128...191).contains(b0), payload.count >= 2 else { return nil }
        let b1 = payload[payload.startIndex + 1]
        let isRTCPType = (200...207).contains(b1)
        guard isRTCPType || (isPlausibleRTPPayloadType(b1 & 0x7F) && !(192...223).contains(b1)) else { return nil }
        let error: ParseError
        do {
            if isRTCPType { _ = try RTCPCompound.parse(payload) } else { _ = try RTPHeader.parse(payload) }
            return nil
        } catch let e {
            error = e
        }
        return Diagnostic(
            .warning, code: error.code, frame: frame, field: error.field,
            "not taken as \(isRTCPType ? "RTCP" : "RTP"): \(error.message)")
    }

    /// STUN: zero top bits, the magic cookie, a length that is a multiple of 4 and equals the rest of
    /// the datagram (RFC 8489 §5, §6.3).
    static func isSTUN(_ p: ArraySlice<UInt8>) -> Bool {
        guard let m = try? STUNMessage.parse(p) else { return false }
        return m.length + 20 == p.count
    }

    /// RTCP: the first packet's header is version 2 and its length fits the datagram (RFC 3550 §6.4.1,
    /// A.2). Only the first packet is required: in SRTCP the rest is encrypted.
    static func isRTCP<B: ByteSource>(_ p: B) -> Bool {
        guard let len = p.be16(at: p.startIndex + 2) else { return false }
        return p.has((Int(len) + 1) * 4, at: p.startIndex)
    }

    /// The longest first line looked at for " SIP/2.0".
    static let maxStartLine = 2048

    /// A SIP request line `Method SP Request-URI SP SIP/2.0 CRLF` (RFC 3261 §7.1; the URI scheme sip:,
    /// sips: or tel:) or status line `SIP/2.0 SP 3DIGIT SP` (§7.2). A bare LF is accepted as the line end.
    public static func isSIPStartLine(_ p: ArraySlice<UInt8>) -> Bool {
        let s = p.startIndex
        // "SIP/2.0 " followed by three digits.
        if matches(p, at: s, "SIP/2.0 ") {
            for k in 8..<11 {
                guard let d = p.u8(at: s + k), d >= 0x30 && d <= 0x39 else { return false }
            }
            return p.u8(at: s + 11) == 0x20
        }
        // Method: a token of upper-case letters (all methods registered so far are).
        var i = s
        while let c = p.u8(at: i), c >= 0x41 && c <= 0x5A, i - s < 32 { i += 1 }
        guard i > s, p.u8(at: i) == 0x20 else { return false }
        i += 1
        guard
            matchesCaseless(p, at: i, "sip:") || matchesCaseless(p, at: i, "sips:") || matchesCaseless(p, at: i, "tel:")
        else { return false }
        // Find the line end and check it is preceded by " SIP/2.0".
        let limit = min(p.endIndex, s + maxStartLine)
        while i < limit, let c = p.u8(at: i), c != 0x0A, c != 0x0D, c != 0x20 { i += 1 }
        return matches(p, at: i, " SIP/2.0") && (p.u8(at: i + 8) == 0x0D || p.u8(at: i + 8) == 0x0A)
    }

    private static func matches(_ p: ArraySlice<UInt8>, at i: Int, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard p.has(n, at: i) else { return false }
        return text.withUTF8Buffer { t in
            for k in 0..<n where p[i + k] != t[k] { return false }
            return true
        }
    }

    private static func matchesCaseless(_ p: ArraySlice<UInt8>, at i: Int, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard p.has(n, at: i) else { return false }
        return text.withUTF8Buffer { t in
            for k in 0..<n where p[i + k] | 0x20 != t[k] | 0x20 { return false }
            return true
        }
    }
}
