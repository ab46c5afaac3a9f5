import Datagrams

/// The few SIP fields a one-line dissection shows: the start line, Call-ID, CSeq, From, To and body type.
///
/// This is a deliberately shallow read for display; the Signalling module parses SIP in full for
/// dialogs and keys. Header names are matched case-insensitively, compact forms included (RFC 3261 §7.3.3).
public struct SIPSummary: Hashable, Sendable {
    public var startLine: String
    public var callID: String?
    public var cseq: String?
    public var from: String?
    public var to: String?
    public var contentType: String?

    /// Longest start line or header value kept, so that a hostile message cannot bloat the output.
    static let maxFieldLength = 512
    /// Headers examined before giving up (the message itself is bounded by the datagram).
    static let maxHeaders = 256

    public static func parse(_ payload: ArraySlice<UInt8>) -> SIPSummary {
        var summary = SIPSummary(startLine: "")
        var lineStart = payload.startIndex
        var index = payload.startIndex
        var lineNumber = 0
        while index < payload.endIndex, lineNumber <= maxHeaders {
            guard payload[index] == 0x0A else {
                index += 1
                continue
            }
            var lineEnd = index
            if lineEnd > lineStart, payload[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd == lineStart { break }  // the empty line ends the headers
            let line = payload[lineStart..<lineEnd]
            if lineNumber == 0 {
                summary.startLine = text(line)
            } else {
                summary.take(header: line)
            }
            lineNumber += 1
            index += 1
            lineStart = index
        }
        if lineNumber == 0 { summary.startLine = text(payload[lineStart..<index]) }
        return summary
    }

    private mutating func take(header line: ArraySlice<UInt8>) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = SIPSummary.text(line[line.startIndex..<colon]).trimmingSpaces().lowercased()
        let value = SIPSummary.text(line[(colon + 1)...]).trimmingSpaces()
        switch name {
        case "call-id", "i": if callID == nil { callID = value }
        case "cseq": if cseq == nil { cseq = value }
        case "from", "f": if from == nil { from = value }
        case "to", "t": if to == nil { to = value }
        case "content-type", "c": if contentType == nil { contentType = value }
        default: break
        }
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(maxFieldLength), as: UTF8.self)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
