import Capture
import Datagrams

/// Builds the decrypted copy of a frame: the media packet replaced by its plaintext, everything around
/// it kept, and the lengths and checksums that cover it fixed — IPv4 total length and header checksum
/// (RFC 791 §3.1), IPv6 payload length (RFC 8200 §3), UDP length and checksum (RFC 768; a zero checksum
/// over IPv4 means "none" and stays zero), and the TURN ChannelData length (RFC 8656 §12.4).
///
/// `rewrite` reuses `out.data`'s storage: no allocation once it has grown to the largest frame.
public enum DecryptedFrameRewriter {
    /// Writes into `out` the frame `frame` with the bytes of `packet` replaced by `plaintext`.
    /// Returns false (and leaves `out` a copy of `frame`) when the frame's layout is not one it can fix.
    @discardableResult
    /// For a TURN Send/Data indication, `stunOffset` and `stunDataAttributeOffset` locate the STUN header
    /// and the DATA attribute (the last one): its value is re-padded to 4 bytes and both lengths fixed.
    public static func rewrite(
        _ frame: Frame, _ decoded: DecodedFrame, packetRange: Range<Int>, channelDataOffset: Int?,
        stunOffset: Int? = nil, stunDataAttributeOffset: Int? = nil,
        plaintext: UnsafeRawBufferPointer, into out: inout Frame
    ) -> Bool {
        out.number = frame.number
        out.timestamp = frame.timestamp
        out.linkType = frame.linkType
        out.interfaceID = frame.interfaceID
        out.originalLength = frame.originalLength
        // Where the IP header is and which it is. The views of `decoded` are copies out of another module
        // (`ipv4` ~130 bytes, `link`), 4.5 % of `decrypt -w` when both were read on every packet: an IPv4
        // header is read once and locates itself (it starts `headerLength` before its payload, at the
        // link layer's payload offset); the link layer is read only for IPv6.
        var v4HeaderLength: Int?  // nil: IPv6
        let ipOffset: Int?
        if let v4 = decoded.ipv4 {
            v4HeaderLength = v4.headerLength
            ipOffset = v4.payloadRange.lowerBound - v4.headerLength
        } else if decoded.addresses != nil {
            ipOffset = decoded.link?.payloadOffset  // IPv6, the only other network layer
        } else {
            ipOffset = nil
        }
        guard let ip = ipOffset, let udpPayload = decoded.payloadRange, decoded.payloadSource == .frame,
            decoded.udp != nil, packetRange.lowerBound >= udpPayload.lowerBound,
            packetRange.upperBound <= udpPayload.upperBound, udpPayload.upperBound <= frame.data.count,
            udpPayload.lowerBound >= 8
        else {
            out.data.removeAll(keepingCapacity: true)
            out.data.append(contentsOf: frame.data)
            return false
        }
        if stunOffset == nil {
            // The common case, once per decrypted packet: size `out.data` to the new frame (keeping its
            // storage) and copy the three pieces in, instead of emptying it and appending each.
            let head = packetRange.lowerBound
            let tail = frame.data.count - packetRange.upperBound
            resize(&out.data, to: head + plaintext.count + tail)
            out.data.withUnsafeMutableBytes { dst in
                frame.data.withUnsafeBytes { src in
                    UnsafeMutableRawBufferPointer(rebasing: dst[0..<head])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<head]))
                    UnsafeMutableRawBufferPointer(rebasing: dst[head..<(head + plaintext.count)])
                        .copyMemory(from: plaintext)
                    UnsafeMutableRawBufferPointer(rebasing: dst[(head + plaintext.count)...])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: src[packetRange.upperBound...]))
                }
            }
        } else {
            out.data.removeAll(keepingCapacity: true)
            out.data.append(contentsOf: frame.data[0..<packetRange.lowerBound])
            out.data.append(contentsOf: plaintext)
            // RFC 8489 §14: attribute values are padded to a multiple of 4 bytes.
            let newPad = (4 - plaintext.count % 4) % 4
            for _ in 0..<newPad { out.data.append(0) }
            let oldPad = (4 - packetRange.count % 4) % 4
            let rest = min(frame.data.count, packetRange.upperBound + oldPad)
            out.data.append(contentsOf: frame.data[rest...])
        }
        let delta = out.data.count - frame.data.count
        out.originalLength = frame.originalLength + delta
        let udp = udpPayload.lowerBound - 8
        var ok = true
        out.data.withUnsafeMutableBytes { p in
            func get16(_ i: Int) -> Int { Int(p[i]) << 8 | Int(p[i + 1]) }
            func put16(_ v: Int, _ i: Int) {
                p[i] = UInt8(truncatingIfNeeded: v >> 8)
                p[i + 1] = UInt8(truncatingIfNeeded: v)
            }
            // Only integers are used in here: a header captured by this closure would be copied into it.
            let isV4 = v4HeaderLength != nil
            let version: IPHeaderRewrite.Version = v4HeaderLength.map { .v4(headerLength: $0) } ?? .v6
            guard let addressSum = IPHeaderRewrite.addLength(delta, version: version, at: ip, in: p) else {
                ok = false
                return
            }
            let udpLength = get16(udp + 4) + delta
            guard udp + udpLength <= p.count, udpLength >= 8 else {
                ok = false
                return
            }
            put16(udpLength, udp + 4)
            if let cd = channelDataOffset, cd + 4 <= p.count {
                put16(plaintext.count, cd + 2)
            }
            if let st = stunOffset, let at = stunDataAttributeOffset, st + 4 <= p.count, at + 4 <= p.count {
                put16(plaintext.count, at + 2)
                put16(get16(st + 2) + delta, st + 2)
            }
            let old = get16(udp + 6)
            if old != 0 || !isV4 {
                // RFC 768 pseudo-header: addresses, zero, protocol 17, UDP length.
                var s = addressSum
                s += 17 + UInt64(udpLength)
                put16(0, udp + 6)
                s += InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: p[udp..<(udp + udpLength)]))
                var c = InternetChecksum.finish(s)
                if c == 0 { c = 0xFFFF }  // RFC 768: a computed zero is sent as all ones.
                put16(Int(c), udp + 6)
            }
        }
        return ok
    }

    /// Sets `data.count` to `count`, keeping its storage (new bytes are zero, then overwritten).
    private static func resize(_ data: inout [UInt8], to count: Int) {
        if data.count > count {
            data.removeLast(data.count - count)
        } else if data.count < count {
            data.append(contentsOf: repeatElement(0, count: count - data.count))
        }
    }
}
