import Capture
import Datagrams

/// Why a media packet that failed to authenticate could not be a well-formed one: its RTP header does
/// not fit the packet, or an SRTCP packet is shorter than its header and trailer (issue 7). The decrypt
/// engine asks only about failed packets, so a good stream costs nothing.
enum MalformedMedia {
    /// The smallest SRTCP packet: an 8-byte RTCP header (RFC 3550 §6.4), the 4-byte E flag and index,
    /// and the shortest tag in use, 4 bytes (RFC 3711 §3.4; 32-bit tags are SRTP-only but SSRTCP, §5.2 of
    /// MS-SRTP, may use them).
    static let minimumSRTCP = 8 + 4 + 4

    /// A diagnostic naming the frame and the field, or nil when the header is well formed.
    static func diagnostic(_ packet: ArraySlice<UInt8>, kind: MediaPacketKind, frame: Int) -> Diagnostic? {
        switch kind {
        case .rtp:
            do {
                _ = try RTPHeader.parse(packet)
                return nil
            } catch {
                // Padding is encrypted in SRTP (RFC 3711 §3.1): its count is not known before decryption.
                if error.code == "rtp.padding" { return nil }
                var d = error.diagnostic(frame: frame)
                d.severity = .warning
                d.message += "; the packet cannot be SRTP"
                return d
            }
        case .rtcp:
            if packet.count < minimumSRTCP {
                return Diagnostic(
                    .warning, code: "srtcp.too-short", frame: frame, field: "srtcp.trailer",
                    "\(packet.count) bytes: shorter than an RTCP header, the E|index word and a tag (\(minimumSRTCP))")
            }
            guard packet.count >= 4 else { return nil }
            let s = packet.startIndex
            let length = ((Int(packet[s + 2]) << 8 | Int(packet[s + 3])) + 1) * 4
            guard length + 4 <= packet.count else {
                return Diagnostic(
                    .warning, code: "srtcp.length", frame: frame, field: "rtcp.length",
                    "first RTCP packet of \(length) bytes leaves no room for the SRTCP E|index in \(packet.count)")
            }
            return nil
        }
    }
}
