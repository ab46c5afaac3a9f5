/// One DTLS handshake message fragment (RFC 6347 §4.2.2): the 12-byte header every handshake
/// message carries in DTLS, and the fragment's bytes.
///
///     HandshakeType msg_type; uint24 length; uint16 message_seq;
///     uint24 fragment_offset; uint24 fragment_length; opaque body[fragment_length]
public struct HandshakeFragment: Hashable, Sendable {
    public var type: UInt8
    /// The whole message's length.
    public var length: Int
    public var messageSeq: UInt16
    public var offset: Int
    public var body: ArraySlice<UInt8>

    /// Every fragment in a handshake record's fragment bytes, and why parsing stopped early, if it did.
    static func all(in record: ArraySlice<UInt8>) -> (fragments: [HandshakeFragment], problem: String?) {
        var r = HandshakeReader(record)
        var out: [HandshakeFragment] = []
        while !r.isAtEnd {
            guard let type = r.u8(), let length = r.u24(), let seq = r.u16(), let offset = r.u24(),
                let fragmentLength = r.u24()
            else { return (out, "handshake header truncated (\(r.remaining) bytes left)") }
            guard let body = r.take(fragmentLength) else {
                return (out, "fragment_length \(fragmentLength) runs past the record")
            }
            guard offset + fragmentLength <= length else {
                return (out, "fragment \(offset)+\(fragmentLength) runs past the message length \(length)")
            }
            out.append(HandshakeFragment(type: type, length: length, messageSeq: seq, offset: offset, body: body))
        }
        return (out, nil)
    }

    /// RFC 5246 §7.4 and RFC 6347 §4.3.2 names.
    public static func name(_ type: UInt8) -> String {
        switch type {
        case 0: "hello_request"
        case 1: "client_hello"
        case 2: "server_hello"
        case 3: "hello_verify_request"
        case 4: "new_session_ticket"
        case 11: "certificate"
        case 12: "server_key_exchange"
        case 13: "certificate_request"
        case 14: "server_hello_done"
        case 15: "certificate_verify"
        case 16: "client_key_exchange"
        case 20: "finished"
        default: "handshake_type_\(type)"
        }
    }
}
