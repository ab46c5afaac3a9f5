/// Plaintext RTP packets (RFC 3550 §5.1) and RTCP packets: SR + SDES compounds (RFC 3550 §6.4.1, §6.5),
/// BYE (§6.6), APP (§6.7) and XR (RFC 3611) appended to them.
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

    /// BYE (RFC 3550 §6.6): the source leaves, with a reason (length octet, text, zero padding to 32 bits).
    static func bye(ssrc: UInt32, reason: String) -> [UInt8] {
        let text = Array(reason.utf8.prefix(255))
        var body: [UInt8] = be32(ssrc) + [UInt8(text.count)] + text
        while body.count % 4 != 0 { body.append(0) }
        var p: [UInt8] = [0x81, 203]
        p.appendBE16(UInt16(body.count / 4))
        return p + body
    }

    /// APP (RFC 3550 §6.7): subtype, SSRC, a four-character name and application data (a multiple of
    /// 32 bits).
    static func app(ssrc: UInt32, subtype: UInt8, name: String, data: [UInt8]) -> [UInt8] {
        var nameBytes = Array(name.utf8.prefix(4))
        while nameBytes.count < 4 { nameBytes.append(0x20) }
        var payload = data
        while payload.count % 4 != 0 { payload.append(0) }
        var p: [UInt8] = [0x80 | (subtype & 0x1F), 204]
        p.appendBE16(UInt16(2 + payload.count / 4))
        p.appendBE32(ssrc)
        return p + nameBytes + payload
    }

    /// XR (RFC 3611 §2): the sender's SSRC followed by report blocks.
    static func xr(ssrc: UInt32, blocks: [[UInt8]]) -> [UInt8] {
        let body = blocks.flatMap { $0 }
        var p: [UInt8] = [0x80, 207]
        p.appendBE16(UInt16(1 + body.count / 4))
        p.appendBE32(ssrc)
        return p + body
    }

    /// Receiver Reference Time block (RFC 3611 §4.4, BT 4): the NTP time the XR was sent.
    static func receiverReferenceTime(ntp: UInt64) -> [UInt8] {
        var b: [UInt8] = [4, 0]
        b.appendBE16(2)
        b.appendBE32(UInt32(truncatingIfNeeded: ntp >> 32))
        b.appendBE32(UInt32(truncatingIfNeeded: ntp))
        return b
    }

    /// What a VoIP Metrics block reports about the peer's stream (RFC 3611 §4.7); values as an
    /// endpoint with a clean network would give them.
    struct VoIPMetrics {
        var ssrc: UInt32
        var lossRate: UInt8 = 0
        var discardRate: UInt8 = 0
        var roundTripDelayMs: UInt16 = 40
        var endSystemDelayMs: UInt16 = 60
        var gapDurationMs: UInt16
        /// dBm0 and dB as signed 8-bit values (§4.7.4); 127 means unavailable.
        var signalLevel: Int8 = -20
        var noiseLevel: Int8 = -70
        var rFactor: UInt8 = 93
        /// MOS × 10 (§4.7.5).
        var mosLQ: UInt8 = 42
        var mosCQ: UInt8 = 41
        var jitterBufferNominalMs: UInt16 = 40
        var jitterBufferMaximumMs: UInt16 = 80
        var jitterBufferAbsoluteMaximumMs: UInt16 = 200
    }

    /// VoIP Metrics block (RFC 3611 §4.7, BT 7, block length 8): loss and discard, burst and gap,
    /// delay, signal, call quality and jitter-buffer figures.
    static func voipMetrics(_ m: VoIPMetrics) -> [UInt8] {
        var b: [UInt8] = [7, 0]
        b.appendBE16(8)
        b.appendBE32(m.ssrc)
        b += [m.lossRate, m.discardRate, 0, 0]  // burst density, gap density: no bursts
        b.appendBE16(0)  // burst duration
        b.appendBE16(m.gapDurationMs)
        b.appendBE16(m.roundTripDelayMs)
        b.appendBE16(m.endSystemDelayMs)
        // Signal level, noise level, RERL (127: unavailable), Gmin (16, the recommended value, §4.7.6).
        b += [UInt8(bitPattern: m.signalLevel), UInt8(bitPattern: m.noiseLevel), 127, 16]
        // R factor, external R factor (127: unavailable), MOS-LQ, MOS-CQ.
        b += [m.rFactor, 127, m.mosLQ, m.mosCQ]
        // RX config (§4.7.6, from the most significant bit): PLC standard (11), jitter buffer adaptive
        // (11), JB rate 0; then a reserved octet.
        b += [0xF0, 0]
        b.appendBE16(m.jitterBufferNominalMs)
        b.appendBE16(m.jitterBufferMaximumMs)
        b.appendBE16(m.jitterBufferAbsoluteMaximumMs)
        return b
    }
}
