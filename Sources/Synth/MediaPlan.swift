/// The RTP and RTCP one party sends, in plaintext, before protection and before impairments.
struct SentPacket {
    var time: Double
    var rtcp: Bool
    var ssrc: UInt32
    /// RTP: packet number from 0 across SSRC changes (the scenario's impairment numbering); RTCP: -1.
    var number: Int
    /// RTP: ROC ‖ SEQ (RFC 3711 §3.3.1); RTCP: the SRTCP index libsrtp will use.
    var index: UInt64
    var roc: UInt32
    var keyIndex: Int
    var plaintext: [UInt8]
}

struct MediaPlan {
    var packets: [SentPacket]
    /// Times of this party's sender reports, for the peer's LSR/DLSR.
    var reportTimes: [Double]

    struct Clock {
        var payloadType: UInt8
        var rate: Double
        var step: UInt32
    }

    static func clock(for codec: String) -> Clock {
        switch codec {
        case "opus": Clock(payloadType: 111, rate: 48000, step: 960)
        case "pcma": Clock(payloadType: 8, rate: 8000, step: 160)
        default: Clock(payloadType: 0, rate: 8000, step: 160)
        }
    }

    /// RTP every 20 ms from `start` to `end` (with up to 1.5 ms of send jitter), then RTCP SR+SDES
    /// every `interval` seconds, merged in time order.
    static func rtp(
        options: Scenario.MediaOptions, codec: String, start: Double, end: Double, keyCount: Int,
        rng: inout SeededGenerator
    ) throws(SynthesisError) -> [SentPacket] {
        let clock = clock(for: codec)
        var ssrc = options.ssrc ?? UInt32(truncatingIfNeeded: rng.next())
        var sequence = options.initialSequence ?? UInt16(rng.below(0x8000))
        var roc = options.initialROC ?? 0
        var timestamp = UInt32(truncatingIfNeeded: rng.next())
        var marker = true
        if let at = options.mkiSwitchAt, at >= 0, keyCount < 2 {
            throw SynthesisError("mkiSwitchAt needs a crypto line with two keys (MKIs)")
        }
        var out: [SentPacket] = []
        var n = 0
        while start + Double(n) * 0.02 < end {
            if let change = options.ssrcChangeAt, change == n, n > 0 {
                ssrc = UInt32(truncatingIfNeeded: rng.next())
                sequence = UInt16(rng.below(0x8000))
                roc = 0
                timestamp = UInt32(truncatingIfNeeded: rng.next())
                marker = true
            }
            let size = codec == "opus" ? 40 + Int(rng.below(120)) : 160
            let payload = rng.bytes(size)
            let time = start + Double(n) * 0.02 + Double(rng.below(1500)) / 1e6
            let keyIndex = (options.mkiSwitchAt.map { n >= $0 } ?? false) ? 1 : 0
            out.append(
                SentPacket(
                    time: time, rtcp: false, ssrc: ssrc, number: n, index: UInt64(roc) << 16 | UInt64(sequence),
                    roc: roc,
                    keyIndex: keyIndex,
                    plaintext: RTPPackets.rtp(
                        payloadType: clock.payloadType, marker: marker, sequence: sequence,
                        timestamp: timestamp, ssrc: ssrc, payload: payload)))
            marker = false
            sequence &+= 1
            if sequence == 0 { roc &+= 1 }
            timestamp &+= clock.step
            n += 1
        }
        return out
    }

    /// Sender-report times of a party whose media runs from `start` to `end`.
    static func reportTimes(start: Double, end: Double, interval: Double) -> [Double] {
        guard interval > 0 else { return [] }
        var times: [Double] = []
        var t = start + interval
        while t < end {
            times.append(t + 0.007)
            t += interval
        }
        return times
    }

    /// NTP timestamp (RFC 5905 §6: seconds since 1900, 32.32 fixed point) of a capture time.
    static func ntp(_ absolute: Double) -> UInt64 {
        let seconds = absolute.rounded(.down)
        let fraction = absolute - seconds
        return UInt64(seconds + 2_208_988_800) << 32 | UInt64((fraction * 4_294_967_296).rounded(.down))
    }

    /// Adds this party's RTCP compounds to its RTP: SR with the counts sent so far (RFC 3550 §6.4.1),
    /// a report block on the peer's stream, and SDES CNAME.
    ///
    /// With `extras`, every `xrEvery`-th SR compound also carries an XR (RFC 3611: Receiver Reference
    /// Time, and VoIP Metrics on the peer's stream) and every `appEvery`-th an APP (RFC 3550 §6.7); and at
    /// `extras.byeAt` the party leaves with a last SR + SDES + BYE compound (§6.6). They add no draws
    /// from `rng`, so a scenario without them gives the same bytes as before they existed.
    static func addRTCP(
        to own: [SentPacket], reportTimes: [Double], peer: [SentPacket], peerReportTimes: [Double],
        base: Double, codec: String, cname: String, extras: RTCPExtras = RTCPExtras(), rng: inout SeededGenerator
    ) -> [SentPacket] {
        let clock = clock(for: codec)
        var merged: [SentPacket] = []
        var i = 0
        var srtcpIndex: [UInt32: UInt64] = [:]
        // Before its own media starts (the peer's early media), a party sends RR + SDES only (§6.4.2),
        // under the SSRC it will send with.
        if let first = own.first, let peerFirst = peer.first(where: { !$0.rtcp }), peerFirst.time < first.time {
            var t = peerFirst.time + min(1.0, max(0.2, first.time - peerFirst.time) / 2)
            while t < first.time {
                if let heard = peer.last(where: { !$0.rtcp && $0.time < t - 0.03 }) {
                    let index = srtcpIndex[first.ssrc, default: 0] + 1
                    srtcpIndex[first.ssrc] = index
                    let report = RTPPackets.ReportBlock(
                        ssrc: heard.ssrc, fractionLost: 0, cumulativeLost: 0,
                        extendedHighestSequence: UInt32(truncatingIfNeeded: heard.index),
                        jitter: UInt32(rng.below(40)), lastSR: 0, delaySinceLastSR: 0)
                    merged.append(
                        SentPacket(
                            time: t, rtcp: true, ssrc: first.ssrc, number: -1, index: index, roc: 0, keyIndex: 0,
                            plaintext: RTPPackets.receiverReportCompound(ssrc: first.ssrc, report: report, cname: cname)
                        ))
                }
                t += 1.0
            }
        }
        var packetCount: [UInt32: UInt32] = [:]
        var octetCount: [UInt32: UInt32] = [:]
        var compounds = 0
        for t in reportTimes {
            while i < own.count && own[i].time < t {
                let p = own[i]
                packetCount[p.ssrc, default: 0] &+= 1
                octetCount[p.ssrc, default: 0] &+= UInt32(p.plaintext.count - 12)
                merged.append(p)
                i += 1
            }
            guard let last = merged.last(where: { !$0.rtcp }) else { continue }
            let lastTimestamp =
                UInt32(last.plaintext[4]) << 24 | UInt32(last.plaintext[5]) << 16 | UInt32(last.plaintext[6]) << 8
                | UInt32(last.plaintext[7])
            let rtpTimestamp = lastTimestamp &+ UInt32(((t - last.time) * clock.rate).rounded(.down))
            var report: RTPPackets.ReportBlock?
            if let heard = peer.last(where: { !$0.rtcp && $0.time < t - 0.03 }) {
                var lsr: UInt32 = 0
                var dlsr: UInt32 = 0
                if let sr = peerReportTimes.last(where: { $0 < t - 0.03 }) {
                    lsr = UInt32(truncatingIfNeeded: ntp(base + sr) >> 16)
                    dlsr = UInt32((t - sr) * 65536)
                }
                report = RTPPackets.ReportBlock(
                    ssrc: heard.ssrc, fractionLost: 0, cumulativeLost: 0,
                    extendedHighestSequence: UInt32(truncatingIfNeeded: heard.index),
                    jitter: UInt32(rng.below(40)), lastSR: lsr, delaySinceLastSR: dlsr)
            }
            // libsrtp numbers a stream's first SRTCP packet 1 (it advances the index before use).
            let index = srtcpIndex[last.ssrc, default: 0] + 1
            srtcpIndex[last.ssrc] = index
            var compound = RTPPackets.senderReportCompound(
                ssrc: last.ssrc, ntp: ntp(base + t), rtpTimestamp: rtpTimestamp,
                packets: packetCount[last.ssrc, default: 0], octets: octetCount[last.ssrc, default: 0],
                report: report, cname: cname)
            compounds += 1
            if extras.xrEvery > 0 && compounds % extras.xrEvery == 0 {
                var blocks = [RTPPackets.receiverReferenceTime(ntp: ntp(base + t))]
                if let heard = report?.ssrc, let first = peer.first(where: { !$0.rtcp && $0.ssrc == heard }) {
                    blocks.append(
                        RTPPackets.voipMetrics(
                            RTPPackets.VoIPMetrics(
                                ssrc: heard, gapDurationMs: UInt16(clamping: Int((t - first.time) * 1000)))))
                }
                compound += RTPPackets.xr(ssrc: last.ssrc, blocks: blocks)
            }
            if extras.appEvery > 0 && compounds % extras.appEvery == 0 {
                compound += RTPPackets.app(
                    ssrc: last.ssrc, subtype: 1, name: extras.appName, data: be32(UInt32(compounds)))
            }
            merged.append(
                SentPacket(
                    time: t, rtcp: true, ssrc: last.ssrc, number: -1, index: index, roc: 0, keyIndex: last.keyIndex,
                    plaintext: compound))
        }
        merged += own[i...]
        if let byeAt = extras.byeAt, let last = merged.last(where: { !$0.rtcp }), byeAt > last.time {
            // The last word of the stream: SR with the final counts, SDES, BYE (RFC 3550 §6.6: a BYE
            // goes in a compound that starts with a report).
            for p in own[i...] {
                packetCount[p.ssrc, default: 0] &+= 1
                octetCount[p.ssrc, default: 0] &+= UInt32(p.plaintext.count - 12)
            }
            let lastTimestamp =
                UInt32(last.plaintext[4]) << 24 | UInt32(last.plaintext[5]) << 16 | UInt32(last.plaintext[6]) << 8
                | UInt32(last.plaintext[7])
            let index = srtcpIndex[last.ssrc, default: 0] + 1
            srtcpIndex[last.ssrc] = index
            let compound =
                RTPPackets.senderReportCompound(
                    ssrc: last.ssrc, ntp: ntp(base + byeAt),
                    rtpTimestamp: lastTimestamp &+ UInt32(((byeAt - last.time) * clock.rate).rounded(.down)),
                    packets: packetCount[last.ssrc, default: 0], octets: octetCount[last.ssrc, default: 0],
                    report: nil, cname: cname) + RTPPackets.bye(ssrc: last.ssrc, reason: "call ended")
            merged.append(
                SentPacket(
                    time: byeAt, rtcp: true, ssrc: last.ssrc, number: -1, index: index, roc: 0,
                    keyIndex: last.keyIndex, plaintext: compound))
        }
        return merged
    }

    /// The RTCP packets beyond SR, RR and SDES a party sends (scenario `rtcpBye`, `rtcpXREvery`,
    /// `rtcpAppEvery`).
    struct RTCPExtras {
        var xrEvery = 0
        var appEvery = 0
        var appName = "SYNT"
        var byeAt: Double?
    }
}
