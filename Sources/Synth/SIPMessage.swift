/// A SIP message as text (RFC 3261 §7): start line, headers in order, body; Content-Length is
/// computed from the body's UTF-8 bytes so it is always right.
public struct SIPMessage: Sendable {
    public var startLine: String
    public var headers: [(String, String)]
    public var body: String
    public var contentType: String?

    public init(startLine: String, headers: [(String, String)], body: String = "", contentType: String? = nil) {
        self.startLine = startLine
        self.headers = headers
        self.body = body
        self.contentType = contentType
    }

    public var bytes: [UInt8] {
        var text = startLine + "\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        let bodyBytes = Array(body.utf8)
        if !bodyBytes.isEmpty, let contentType { text += "Content-Type: \(contentType)\r\n" }
        text += "Content-Length: \(bodyBytes.count)\r\n\r\n"
        return Array(text.utf8) + bodyBytes
    }
}

/// An SDP audio session description (RFC 8866) for one party, with its key lines.
struct SessionDescription {
    var user: String
    var sessionID: UInt64
    var version: UInt64
    var address: Endpoint
    var codec: String
    var rtcpMux: Bool
    var cryptoLines: [String]
    var paddingLines: [String] = []
    /// MS-RTPME: the `k=base64:` passphrase (then RTP/AVP, `a=encryption:required`, no a=crypto).
    var rtpmeKey: String? = nil

    var text: String {
        let ipVersion = address.isIPv6 ? "IP6" : "IP4"
        let host = address.addressText
        var lines = [
            "v=0",
            "o=\(user) \(sessionID) \(version) IN \(ipVersion) \(host)",
            "s=srtpdump-synth",
            "c=IN \(ipVersion) \(host)",
            "t=0 0",
        ]
        let proto = rtpmeKey == nil ? "RTP/SAVP" : "RTP/AVP"
        switch codec {
        case "opus":
            lines += [
                "m=audio \(address.port) \(proto) 111 101", "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 minptime=10;useinbandfec=1",
            ]
        case "pcma":
            lines += ["m=audio \(address.port) \(proto) 8 101", "a=rtpmap:8 PCMA/8000"]
        default:
            lines += ["m=audio \(address.port) \(proto) 0 101", "a=rtpmap:0 PCMU/8000"]
        }
        if let rtpmeKey {
            // RFC 8866 §5: k= follows m= (and c=, b=) and precedes the a= lines of the media description.
            if let m = lines.firstIndex(where: { $0.hasPrefix("m=") }) {
                lines.insert("k=base64:\(rtpmeKey)", at: m + 1)
            }
            lines.append("a=encryption:required")
        }
        lines += ["a=rtpmap:101 telephone-event/\(codec == "opus" ? 48000 : 8000)", "a=fmtp:101 0-16", "a=ptime:20"]
        if rtcpMux {
            lines.append("a=rtcp-mux")
        } else {
            lines.append("a=rtcp:\(address.port &+ 1) IN \(ipVersion) \(host)")
        }
        if rtpmeKey == nil { lines += cryptoLines }
        lines += paddingLines
        lines.append("a=sendrecv")
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
