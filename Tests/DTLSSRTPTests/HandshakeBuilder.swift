import Datagrams

/// Builds DTLS 1.2 handshake records byte by byte from RFC 5246 §7.4 and RFC 6347 §4.2.2, for tests
/// of the tracker's parsing (the end-to-end tests use real OpenSSL handshakes instead).
enum HandshakeBuilder {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func u24(_ v: Int) -> [UInt8] { [UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func extensions(profiles: [Int]?, mki: [UInt8] = [], ems: Bool) -> [UInt8] {
        var e: [UInt8] = []
        if let profiles {
            let list = profiles.flatMap(u16)
            let data = u16(list.count) + list + [UInt8(mki.count)] + mki
            e += u16(14) + u16(data.count) + data
        }
        if ems { e += u16(23) + u16(0) }
        return u16(e.count) + e
    }

    static func clientHello(random: [UInt8], profiles: [Int]?, ems: Bool = true, cookie: [UInt8] = []) -> [UInt8] {
        var b = u16(0xFEFD) + random + [0] + [UInt8(cookie.count)] + cookie
        let suites = [0xC02B, 0xC02C].flatMap(u16)
        b += u16(suites.count) + suites + [1, 0]
        b += extensions(profiles: profiles, ems: ems)
        return b
    }

    static func serverHello(random: [UInt8], suite: Int, profile: Int?, mki: [UInt8] = [], ems: Bool = true) -> [UInt8]
    {
        u16(0xFEFD) + random + [0] + u16(suite) + [0]
            + extensions(profiles: profile.map { [$0] }, mki: mki, ems: ems)
    }

    static func certificate(_ der: [UInt8]) -> [UInt8] {
        let one = u24(der.count) + der
        return u24(one.count) + one
    }

    /// A handshake message fragment with its DTLS header.
    static func fragment(type: UInt8, seq: Int, body: [UInt8], offset: Int = 0, length: Int? = nil) -> [UInt8] {
        let total = length ?? body.count
        return [type] + u24(total) + u16(seq) + u24(offset) + u24(body.count) + body
    }

    /// A DTLSPlaintext record (RFC 6347 §4.1).
    static func record(_ contentType: UInt8, epoch: Int = 0, seq: Int, _ fragment: [UInt8]) -> [UInt8] {
        [contentType] + u16(0xFEFD) + u16(epoch) + [0, 0] + u32(seq) + u16(fragment.count) + fragment
    }

    static func u32(_ v: Int) -> [UInt8] { u16(v >> 16) + u16(v & 0xFFFF) }
}
