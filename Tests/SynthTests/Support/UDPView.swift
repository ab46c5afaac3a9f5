// Test support: a minimal, independent reading of the synthesizer's frames down to UDP (link header
// by link type, IPv4 without options or IPv6 without extension headers), to check the expected results
// against the bytes actually written. Fragments and TCP are reported as nil.
import Capture
import Synth

struct UDPView {
    var source: String
    var destination: String
    var payload: ArraySlice<UInt8>

    init?(_ frame: Frame) {
        let d = frame.data
        var ip: Int
        switch frame.linkType {
        case .ethernet:
            guard d.count > 14 else { return nil }
            ip = (d[12] == 0x81 && d[13] == 0x00) ? 18 : 14
        case .linuxSLL: ip = 16
        case .linuxSLL2: ip = 20
        case .raw: ip = 0
        default: return nil
        }
        guard d.count > ip + 40 else { return nil }
        let version = d[ip] >> 4
        var udp: Int
        var src: String
        var dst: String
        if version == 4 {
            // Not UDP, or a fragment: not a media packet of ours.
            guard d[ip + 9] == 17, d[ip + 6] & 0x3F == 0, d[ip + 7] == 0 else { return nil }
            udp = ip + Int(d[ip] & 0x0F) * 4
            src = d[(ip + 12)..<(ip + 16)].map(String.init).joined(separator: ".")
            dst = d[(ip + 16)..<(ip + 20)].map(String.init).joined(separator: ".")
        } else {
            guard d[ip + 6] == 17 else { return nil }
            udp = ip + 40
            src = "[" + Self.v6(d[(ip + 8)..<(ip + 24)]) + "]"
            dst = "[" + Self.v6(d[(ip + 24)..<(ip + 40)]) + "]"
        }
        guard d.count >= udp + 8 else { return nil }
        let sp = Int(d[udp]) << 8 | Int(d[udp + 1])
        let dp = Int(d[udp + 2]) << 8 | Int(d[udp + 3])
        let length = Int(d[udp + 4]) << 8 | Int(d[udp + 5])
        guard length >= 8, udp + length <= d.count else { return nil }
        source = "\(src):\(sp)"
        destination = "\(dst):\(dp)"
        payload = d[(udp + 8)..<(udp + length)]
    }

    /// RFC 5952 text of an IPv6 address (longest run of two or more zero groups compressed).
    static func v6(_ b: ArraySlice<UInt8>) -> String {
        let bytes = Array(b)
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        var best = (-1, 0)
        var i = 0
        while i < 8 {
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > best.1 && j - i > 1 { best = (i, j - i) }
            i = j == i ? i + 1 : j
        }
        let text = groups.map { String($0, radix: 16) }
        if best.0 < 0 { return text.joined(separator: ":") }
        return text[0..<best.0].joined(separator: ":") + "::" + text[(best.0 + best.1)...].joined(separator: ":")
    }
}

func readFrames(_ path: String) throws -> [Frame] {
    try CaptureReader(path: path).allFrames()
}

/// The SRTP/SRTCP packet inside a media frame's UDP payload, read independently of the synthesizer:
/// the payload itself, or what follows the 4-byte ChannelData header (RFC 8656 §12.4), or the value of
/// the DATA attribute (0x0013) of a TURN Send or Data indication (RFC 8656 §10, §11; attributes after
/// the 20-byte STUN header, each padded to 32 bits, RFC 8489 §14). Nil when the layout does not hold.
func relayedPacket(_ payload: ArraySlice<UInt8>, _ stream: ExpectedResults.Stream) -> [UInt8]? {
    let p = Array(payload)
    if let channel = stream.channel {
        guard p.count > 4, Int(p[0]) << 8 | Int(p[1]) == Int(channel), Int(p[2]) << 8 | Int(p[3]) == p.count - 4
        else { return nil }
        return Array(p[4...])
    }
    guard let indication = stream.indication else { return p }
    // Send indication 0x0016, Data indication 0x0017; magic cookie 0x2112A442.
    let type = indication == "send" ? 0x0016 : 0x0017
    guard p.count >= 20, Int(p[0]) << 8 | Int(p[1]) == type, p[4...7] == [0x21, 0x12, 0xA4, 0x42],
        Int(p[2]) << 8 | Int(p[3]) == p.count - 20
    else { return nil }
    var at = 20
    while at + 4 <= p.count {
        let attribute = Int(p[at]) << 8 | Int(p[at + 1])
        let length = Int(p[at + 2]) << 8 | Int(p[at + 3])
        guard at + 4 + length <= p.count else { return nil }
        if attribute == 0x0013 { return Array(p[(at + 4)..<(at + 4 + length)]) }
        at += 4 + (length + 3) / 4 * 4
    }
    return nil
}
