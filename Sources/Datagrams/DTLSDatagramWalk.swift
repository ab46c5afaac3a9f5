/// The records of one DTLS datagram, for dissection: a datagram often carries a whole flight (several
/// records, RFC 6347 §4.1.1, each with one or more handshake messages), and the first record's header
/// alone hides most of it.
public struct DTLSDatagramWalk: Hashable, Sendable {
    /// Whole records found, in order, before the first that does not parse.
    public var records = 0
    /// Handshake types of the unencrypted (epoch 0) handshake messages, in order: one per message or
    /// fragment header (RFC 6347 §4.2.2), at most `maxMessages`.
    public var handshakeTypes: [UInt8] = []

    public static let maxMessages = 32

    public init(_ payload: ArraySlice<UInt8>) {
        var rest = payload
        while !rest.isEmpty, let r = try? DTLSRecord.parse(rest) {
            records += 1
            if r.contentType == 22, r.epoch == 0 {
                var i = r.fragmentRange.lowerBound
                while i + 12 <= r.fragmentRange.upperBound, handshakeTypes.count < Self.maxMessages,
                    let type = payload.u8(at: i), let fragmentLength = payload.be24(at: i + 9)
                {
                    handshakeTypes.append(type)
                    i += 12 + Int(fragmentLength)
                }
            }
            rest = payload[r.fragmentRange.upperBound...]
        }
    }
}
