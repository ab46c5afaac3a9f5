import Datagrams
import Transforms

/// One attribute's keys offered to the decrypt stage for a packet, with why it was chosen.
public struct KeyCandidate: Hashable, Sendable {
    public enum Priority: Int, Hashable, Sendable, Comparable {
        /// Signalled for this flow: the packet's source is the key's sender (or one of its ICE
        /// candidates), its destination the peer's advertised address, or its SSRC in `a=ssrc`;
        /// or a `--key` scoped to the packet's SSRC or source.
        case flow = 0
        /// Another key of a call the flow belongs to (the peer's key, an older or unanswered line).
        case call = 1
        /// A key given without scope (`--key`, `--keys` entries without addresses).
        case unscoped = 2

        public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
    }

    public var priority: Priority
    /// The entries of one attribute (several for MKI-told keys), in key-param order.
    public var entries: [KeyEntry]

    /// The SRTP policy these keys make (nil for `k=` or material that does not fit the suite).
    public var policy: SRTPPolicy? {
        guard let first = entries.first, let suite = first.suite else { return nil }
        let keys = entries.compactMap(\.masterKey)
        guard !keys.isEmpty else { return nil }
        return SRTPPolicy(
            suite: suite, keys: keys, keyDerivationRate: first.keyDerivationRate,
            sessionParameters: first.sessionParameters, cryptex: first.cryptex,
            encryptedExtensionIDs: Set(first.encryptedExtensionIDs.compactMap { UInt8(exactly: $0) }))
    }
}
