import Capture
import Datagrams

/// Cuts a rewritten datagram back into the IP fragments it was reassembled from: each fragment keeps its
/// identification, flags and offset (RFC 791 §3.2, RFC 8200 §4.5) and carries the datagram's bytes from
/// that offset, as many as it carried before; the last fragment (More Fragments clear) carries the rest,
/// possibly none. Its IPv4 total length and header checksum (RFC 791 §3.1), or IPv6 payload length
/// (RFC 8200 §3), are fixed; everything else in the frame (link header, IPv6 extension headers, a
/// link-layer trailer) is kept.
///
/// The datagram must reach at least the last fragment's offset (the caller pads a shorter plaintext with
/// zeros past the UDP length, so that no fragment moves): then every fragment but the last keeps its
/// length and only the last shrinks, and the fragments still tile the datagram.
public enum FragmentRewriter {
    /// Writes into `out` the fragment `frame` (decoded as `decoded`) with its data replaced by its share of
    /// `datagram` (the whole IP payload: for IPv6 the fragmentable part). Returns false, leaving `out` a
    /// copy of `frame`, when the frame is not a whole IP fragment or `datagram` does not reach its offset.
    @discardableResult
    public static func rewrite(_ frame: Frame, _ decoded: DecodedFrame, datagram: [UInt8], into out: inout Frame)
        -> Bool
    {
        out.number = frame.number
        out.timestamp = frame.timestamp
        out.linkType = frame.linkType
        out.interfaceID = frame.interfaceID
        out.originalLength = frame.originalLength
        guard let place = locate(decoded), place.data.lowerBound >= 0, place.data.upperBound <= frame.data.count,
            place.ip >= 0, place.ip < place.data.lowerBound, place.offset <= datagram.count,
            frame.originalLength == frame.data.count
        else {
            out.data.removeAll(keepingCapacity: true)
            out.data.append(contentsOf: frame.data)
            return false
        }
        let end = place.more ? min(place.offset + place.data.count, datagram.count) : datagram.count
        out.data.removeAll(keepingCapacity: true)
        out.data.append(contentsOf: frame.data[0..<place.data.lowerBound])
        out.data.append(contentsOf: datagram[place.offset..<end])
        out.data.append(contentsOf: frame.data[place.data.upperBound...])
        let delta = (end - place.offset) - place.data.count
        out.originalLength = frame.originalLength + delta
        let fixed = out.data.withUnsafeMutableBytes { p in
            IPHeaderRewrite.addLength(delta, version: place.version, at: place.ip, in: p) != nil
        }
        if !fixed {
            out.data.removeAll(keepingCapacity: true)
            out.data.append(contentsOf: frame.data)
            out.originalLength = frame.originalLength
        }
        return fixed
    }

    /// Where a fragment's IP header and data are in its frame, and its place in the datagram.
    struct Place {
        var ip: Int
        var version: IPHeaderRewrite.Version
        var data: Range<Int>
        var offset: Int
        var more: Bool
    }

    static func locate(_ decoded: DecodedFrame) -> Place? {
        if let v4 = decoded.ipv4 {
            guard v4.isFragment, !v4.truncated else { return nil }
            return Place(
                ip: v4.payloadRange.lowerBound - v4.headerLength, version: .v4(headerLength: v4.headerLength),
                data: v4.payloadRange, offset: v4.fragmentOffset, more: v4.moreFragments)
        }
        guard case .ipv6(let v6)? = decoded.network, let f = v6.fragment, !v6.truncated, let link = decoded.link
        else { return nil }
        return Place(
            ip: link.payloadOffset, version: .v6, data: v6.payloadRange, offset: f.offset, more: f.moreFragments)
    }
}
