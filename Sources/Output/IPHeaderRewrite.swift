import Datagrams

/// The IP header of a frame whose transport segment changed length, rewritten in place: shared by the
/// rewriters of decrypted UDP datagrams and of RFC 4571 TCP segments.
enum IPHeaderRewrite {
    enum Version {
        case v4(headerLength: Int)
        case v6
    }

    /// Adds `delta` to the IPv4 total length and recomputes the header checksum (RFC 791 §3.1, RFC 1071),
    /// or adds it to the IPv6 payload length (RFC 8200 §3), for the header at `ip` in `p`. Returns the sum of
    /// the source and destination addresses, the part of the transport's pseudo-header the IP header
    /// gives (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1); nil when the header is not inside `p`.
    static func addLength(_ delta: Int, version: Version, at ip: Int, in p: UnsafeMutableRawBufferPointer) -> UInt64? {
        func get16(_ i: Int) -> Int { Int(p[i]) << 8 | Int(p[i + 1]) }
        func put16(_ v: Int, _ i: Int) {
            p[i] = UInt8(truncatingIfNeeded: v >> 8)
            p[i + 1] = UInt8(truncatingIfNeeded: v)
        }
        switch version {
        case .v4(let headerLength):
            guard ip >= 0, headerLength >= 20, ip + headerLength <= p.count else { return nil }
            put16(get16(ip + 2) + delta, ip + 2)
            put16(0, ip + 10)
            let sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: p[ip..<(ip + headerLength)]))
            put16(Int(InternetChecksum.finish(sum)), ip + 10)
            return InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: p[(ip + 12)..<(ip + 20)]))
        case .v6:
            guard ip >= 0, ip + 40 <= p.count else { return nil }
            put16(get16(ip + 4) + delta, ip + 4)
            return InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: p[(ip + 8)..<(ip + 40)]))
        }
    }
}
