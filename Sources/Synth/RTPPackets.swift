/// Plaintext RTP packets (RFC 3550 §5.1) and RTCP SR + SDES compounds (RFC 3550 §6.4.1, §6.5).
enum RTPPackets {
    static func rtp(
        payloadType: UInt8, marker: Bool, sequence: UInt16, timestamp: UInt32, ssrc: UInt32, payload: [UInt8]
    ) -> [UInt8] {
        var p: [UInt8] = [0x80, (marker ? 0x80 : 0) | (payloadType & 0x7F)]
        p.appendBE16(sequence)
        p.appendBE32(timestamp)
        p.appendBE32(ssrc)
        p += payload
        return p
    }

    /// A reception report block (RFC 3550 §6.4.1) about the peer's stream.
    struct ReportBlock {
        var ssrc: UInt32
        var fractionLost: UInt8
        var cumulativeLost: UInt32
        var extendedHighestSequence: UInt32
        var jitter: UInt32
        var lastSR: UInt32
        var delaySinceLastSR: UInt32
    }

    /// RR followed by SDES (RFC 3550 §6.4.2): what a party that receives but does not yet send reports.
    static func receiverReportCompound(ssrc: UInt32, report: ReportBlock, cname: String) -> [UInt8] {
        var p: [UInt8] = [0x81, 201]
        p.appendBE16(7)
        p.appendBE32(ssrc)
        p.appendBE32(report.ssrc)
        p.append(report.fractionLost)
        p += Array(be32(report.cumulativeLost & 0xFF_FFFF).dropFirst())
        p.appendBE32(report.extendedHighestSequence)
        p.appendBE32(report.jitter)
        p.appendBE32(report.lastSR)
        p.appendBE32(report.delaySinceLastSR)
        return p + sdes(ssrc: ssrc, cname: cname)
    }

    static func sdes(ssrc: UInt32, cname: String) -> [UInt8] {
        let name = Array(cname.utf8.prefix(255))
        var chunk: [UInt8] = be32(ssrc) + [1, UInt8(name.count)] + name + [0]
        while chunk.count % 4 != 0 { chunk.append(0) }
        var p: [UInt8] = [0x81, 202]
        p.appendBE16(UInt16(chunk.count / 4))
        return p + chunk
    }

    /// SR followed by SDES with one CNAME chunk: the compound every RTCP packet must start with (§6.1).
    static func senderReportCompound(
        ssrc: UInt32, ntp: UInt64, rtpTimestamp: UInt32, packets: UInt32, octets: UInt32,
        report: ReportBlock?, cname: String
    ) -> [UInt8] {
        let count: UInt8 = report == nil ? 0 : 1
        let words = 6 + (report == nil ? 0 : 6)
        var p: [UInt8] = [0x80 | count, 200]
        p.appendBE16(UInt16(words))
        p.appendBE32(ssrc)
        p.appendBE32(UInt32(truncatingIfNeeded: ntp >> 32))
        p.appendBE32(UInt32(truncatingIfNeeded: ntp))
        p.appendBE32(rtpTimestamp)
        p.appendBE32(packets)
        p.appendBE32(octets)
        if let r = report {
            p.appendBE32(r.ssrc)
            p.append(r.fractionLost)
            p += Array(be32(r.cumulativeLost & 0xFF_FFFF).dropFirst())
            p.appendBE32(r.extendedHighestSequence)
            p.appendBE32(r.jitter)
            p.appendBE32(r.lastSR)
            p.appendBE32(r.delaySinceLastSR)
        }
        // SDES: one chunk, CNAME item, then a null item and padding to a 32-bit boundary (§6.5).
        p += sdes(ssrc: ssrc, cname: cname)
        return p
    }
}
