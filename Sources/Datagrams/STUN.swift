/// A STUN message header and its attributes (RFC 8489 §5, §14), as offsets into the bytes parsed.
public struct STUNMessage: Hashable, Sendable {
    /// RFC 8489 §5: the fixed value that tells STUN from other protocols on the same port.
    public static let magicCookie: UInt32 = 0x2112_A442

    public enum Class: String, Hashable, Sendable {
        case request, indication, successResponse, errorResponse
    }

    public var messageType: UInt16
    /// The 12-bit method (1 Binding, 3 Allocate, 4 Refresh, 6 Send, 7 Data, 8 CreatePermission, 9 ChannelBind).
    public var method: UInt16
    public var messageClass: Class
    /// The length field: bytes of attributes after the 20-byte header.
    public var length: Int
    /// Absolute range of the 96-bit transaction ID.
    public var transactionIDRange: Range<Int>
    public var attributesRange: Range<Int>

    public struct Attribute: Hashable, Sendable {
        public var type: UInt16
        /// Absolute range of the value (without the 4-byte attribute header or padding).
        public var valueRange: Range<Int>
    }

    public static let xorMappedAddress: UInt16 = 0x0020
    public static let data: UInt16 = 0x0013
    public static let channelNumber: UInt16 = 0x000C
    public static let xorPeerAddress: UInt16 = 0x0012
    public static let xorRelayedAddress: UInt16 = 0x0016

    /// A readable method name (RFC 8489 §18.2, RFC 8656 §17).
    public var methodName: String {
        switch method {
        case 1: "Binding"
        case 3: "Allocate"
        case 4: "Refresh"
        case 6: "Send"
        case 7: "Data"
        case 8: "CreatePermission"
        case 9: "ChannelBind"
        default: "0x\(String(method, radix: 16))"
        }
    }

    /// Parses a STUN header at the start of `bytes` (one datagram, or the front of a TCP stream).
    ///
    /// Throws when the top two bits are not zero, the cookie is wrong, the length is not a multiple of 4
    /// or runs past the bytes (RFC 8489 §6.3).
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> STUNMessage {
        let s = bytes.startIndex
        guard let type = bytes.be16(at: s), let len = bytes.be16(at: s + 2), let cookie = bytes.be32(at: s + 4),
            bytes.has(20, at: s)
        else { throw .truncated("stun", field: "stun", need: 20, have: bytes.count) }
        guard type & 0xC000 == 0 else {
            throw ParseError(code: "stun.type", field: "stun.type", "the two top bits of the type must be zero")
        }
        guard cookie == magicCookie else {
            throw ParseError(code: "stun.cookie", field: "stun.cookie", "magic cookie 0x\(String(cookie, radix: 16))")
        }
        let length = Int(len)
        guard length % 4 == 0 else {
            throw ParseError(code: "stun.length", field: "stun.length", "length \(length) is not a multiple of 4")
        }
        guard bytes.has(20 + length, at: s) else {
            throw ParseError(
                code: "stun.length", field: "stun.length",
                "length \(length) runs past the \(bytes.count - 20) bytes after the header")
        }
        // RFC 8489 §5: the class bits are C1 (bit 8) and C0 (bit 4), interleaved with the method bits.
        let c = (type >> 7) & 0x2 | (type >> 4) & 0x1
        let method = (type & 0x000F) | (type & 0x00E0) >> 1 | (type & 0x3E00) >> 2
        let cls: Class =
            switch c {
            case 0: .request
            case 1: .indication
            case 2: .successResponse
            default: .errorResponse
            }
        return STUNMessage(
            messageType: type, method: method, messageClass: cls, length: length,
            transactionIDRange: (s + 8)..<(s + 20), attributesRange: (s + 20)..<(s + 20 + length))
    }

    /// The attributes in `bytes` (the buffer the message was parsed from), each padded to 4 bytes (§14).
    /// Throws on an attribute running past the message.
    public func attributes(in bytes: ArraySlice<UInt8>) throws(ParseError) -> [Attribute] {
        guard attributesRange.lowerBound >= bytes.startIndex, attributesRange.upperBound <= bytes.endIndex else {
            return []
        }
        let a = bytes[attributesRange]
        var out: [Attribute] = []
        var i = a.startIndex
        while i < a.endIndex {
            guard let t = a.be16(at: i), let l = a.be16(at: i + 2) else {
                throw ParseError(code: "stun.attribute", field: "stun.att", "attribute header runs past the message")
            }
            let len = Int(l)
            guard a.has(len, at: i + 4) else {
                throw ParseError(
                    code: "stun.attribute-length", field: "stun.att.length",
                    "attribute 0x\(String(t, radix: 16)) of \(len) bytes runs past the message")
            }
            out.append(Attribute(type: t, valueRange: (i + 4)..<(i + 4 + len)))
            i += 4 + (len + 3) & ~3
        }
        return out
    }

    /// The first attribute of `type`, if any (and if the attributes parse).
    public func attribute(_ type: UInt16, in bytes: ArraySlice<UInt8>) -> Attribute? {
        (try? attributes(in: bytes))?.first { $0.type == type }
    }

    /// Decodes an XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS or XOR-RELAYED-ADDRESS value (RFC 8489 §14.2):
    /// the port is XORed with the cookie's top 16 bits; an IPv4 address with the cookie; an IPv6 address
    /// with the cookie and the transaction ID.
    public func xorAddress(_ attribute: Attribute, in bytes: ArraySlice<UInt8>) -> Endpoint? {
        let v = attribute.valueRange
        guard v.upperBound <= bytes.endIndex, v.lowerBound >= bytes.startIndex else { return nil }
        let value = bytes[v]
        guard let family = value.u8(at: v.lowerBound + 1), let xport = value.be16(at: v.lowerBound + 2) else {
            return nil
        }
        let port = xport ^ UInt16(Self.magicCookie >> 16)
        switch family {
        case 1:
            guard value.count == 8, let x = value.be32(at: v.lowerBound + 4) else { return nil }
            return Endpoint(IPAddress(v4: x ^ Self.magicCookie), port)
        case 2:
            guard value.count == 20, let h = value.be64(at: v.lowerBound + 4), let l = value.be64(at: v.lowerBound + 12),
                let t0 = bytes.be32(at: transactionIDRange.lowerBound),
                let t1 = bytes.be64(at: transactionIDRange.lowerBound + 4)
            else { return nil }
            let mask = UInt64(Self.magicCookie) << 32 | UInt64(t0)
            return Endpoint(IPAddress(v6High: h ^ mask, low: l ^ t1), port)
        default:
            return nil
        }
    }

    /// The CHANNEL-NUMBER value (RFC 8656 §18.1), if present.
    public func channelNumber(in bytes: ArraySlice<UInt8>) -> UInt16? {
        guard let a = attribute(Self.channelNumber, in: bytes) else { return nil }
        return bytes.be16(at: a.valueRange.lowerBound)
    }

    /// The absolute range of the DATA value (RFC 8656 §18.4): the relayed datagram of a Send or Data indication.
    public func dataRange(in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        attribute(Self.data, in: bytes)?.valueRange
    }
}
