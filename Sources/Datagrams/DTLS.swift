/// A DTLS record header (RFC 6347 §4.1; RFC 9147 §4 for the DTLSPlaintext form) and, for a handshake
/// record in epoch 0 (not yet encrypted), the type of its first handshake message.
public struct DTLSRecord: Hashable, Sendable {
    /// 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat, 25 tls12_cid.
    public var contentType: UInt8
    /// 0xFEFF is DTLS 1.0, 0xFEFD DTLS 1.2 (and the legacy version of DTLS 1.3 records).
    public var version: UInt16
    public var epoch: UInt16
    /// The 48-bit sequence number.
    public var sequenceNumber: UInt64
    public var length: Int
    /// Absolute range of the record's fragment.
    public var fragmentRange: Range<Int>
    /// The HandshakeType of the first message (1 client_hello, 2 server_hello, 11 certificate, ...),
    /// when the record is an unencrypted handshake.
    public var handshakeType: UInt8?

    public var contentTypeName: String {
        switch contentType {
        case 20: "change_cipher_spec"
        case 21: "alert"
        case 22: "handshake"
        case 23: "application_data"
        case 24: "heartbeat"
        case 25: "tls12_cid"
        default: "content_type_\(contentType)"
        }
    }

    /// Parses the first record header in `bytes`. Throws when the content type is not 20–25, the
    /// version's major byte is not 0xFE, or the length runs past the bytes.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> DTLSRecord {
        let s = bytes.startIndex
        guard let ct = bytes.u8(at: s), let ver = bytes.be16(at: s + 1), let epoch = bytes.be16(at: s + 3),
            let seq = bytes.be48(at: s + 5), let len = bytes.be16(at: s + 11)
        else { throw .truncated("dtls", field: "dtls.record", need: 13, have: bytes.count) }
        guard (20...25).contains(ct) else {
            throw ParseError(code: "dtls.content-type", field: "dtls.record.content_type", "content type \(ct)")
        }
        guard ver >> 8 == 0xFE else {
            throw ParseError(code: "dtls.version", field: "dtls.record.version", "version 0x\(String(ver, radix: 16))")
        }
        let length = Int(len)
        guard bytes.has(length, at: s + 13) else {
            throw ParseError(
                code: "dtls.length", field: "dtls.record.length",
                "length \(length) runs past the \(bytes.count - 13) bytes after the header")
        }
        let hs: UInt8? = (ct == 22 && epoch == 0 && length > 0) ? bytes.u8(at: s + 13) : nil
        return DTLSRecord(
            contentType: ct, version: ver, epoch: epoch, sequenceNumber: seq, length: length,
            fragmentRange: (s + 13)..<(s + 13 + length), handshakeType: hs)
    }
}
