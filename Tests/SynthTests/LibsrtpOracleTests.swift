// The oracle check: every media frame of the corpus, unprotected by libsrtp with the keys read from
// the capture's own SDP (offer for what the offerer sends, answer for what the answerer sends),
// gives back the plaintext whose digest the expected results hold; replays and flipped bits are
// refused by libsrtp as the expected status says. Independent of our transforms.
import Capture
import Foundation
import Synth
import Testing

import struct Transforms.SessionParameters

@Suite struct LibsrtpOracleTests {
    /// One `a=crypto` line as read from the SDP text (RFC 4568 §9.1).
    struct Line {
        var tag: Int
        var suite: CryptoSuite
        var keys: [MasterKey]
        /// Session parameters after the key parameter (RFC 4568 §6.3).
        var parameters: [String] = []

        /// What UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP and UNAUTHENTICATED_SRTP switch off (RFC 4568 §6.3.2,
        /// §6.3.3), read here from the SDP text itself.
        var services: SessionParameters {
            SessionParameters(
                encryptRTP: !parameters.contains("UNENCRYPTED_SRTP"),
                encryptRTCP: !parameters.contains("UNENCRYPTED_SRTCP"),
                authenticateRTP: !parameters.contains("UNAUTHENTICATED_SRTP"))
        }
    }

    struct SDP {
        var port: Int
        var lines: [Line]
    }

    static func parseSDP(_ text: String) -> SDP? {
        var port = 0
        var lines: [Line] = []
        for raw in text.components(separatedBy: "\r\n") {
            if raw.hasPrefix("m=audio ") { port = Int(raw.split(separator: " ")[1]) ?? 0 }
            // a=crypto:<tag> <suite> <keys> (RFC 4568) or a=cryptoscale:<tag> client <suite> <keys> (MS-SDPEXT).
            var fields: [Substring]
            if raw.hasPrefix("a=crypto:") {
                fields = raw.dropFirst(9).split(separator: " ")
            } else if raw.hasPrefix("a=cryptoscale:") {
                fields = raw.dropFirst(14).split(separator: " ")
                if fields.count > 1 { fields.remove(at: 1) }
            } else {
                continue
            }
            guard fields.count >= 3, let tag = Int(fields[0]), let suite = CryptoSuite(rawValue: String(fields[1]))
            else { return nil }
            var keys: [MasterKey] = []
            for param in fields[2].split(separator: ";") {
                let parts = param.dropFirst("inline:".count).split(separator: "|")
                guard let key = Data(base64Encoded: String(parts[0])) else { return nil }
                var mki: [UInt8] = []
                if let mkiPart = parts.dropFirst().first(where: { $0.contains(":") }) {
                    let v = mkiPart.split(separator: ":")
                    guard let value = UInt32(v[0]), let length = Int(v[1]) else { return nil }
                    mki = Array(withUnsafeBytes(of: value.bigEndian) { Array($0) }.suffix(length))
                }
                keys.append(MasterKey(keyAndSalt: [UInt8](key), mki: mki))
            }
            lines.append(Line(tag: tag, suite: suite, keys: keys, parameters: fields.dropFirst(3).map(String.init)))
        }
        return SDP(port: port, lines: lines)
    }

    /// The offer (first INVITE) and the first answer (183 or 200 with a body), from whole UDP or TCP
    /// payloads; TCP segments are joined per direction in order.
    static func offerAndAnswer(_ frames: [Frame]) -> (SDP, SDP)? {
        var text = ""
        for frame in frames { text += String(decoding: sipBytes(frame), as: UTF8.self) }
        func body(after marker: String) -> String? {
            guard let start = text.range(of: marker) else { return nil }
            let rest = text[start.upperBound...]
            guard let header = rest.range(of: "Content-Length: "),
                let end = rest[header.upperBound...].range(of: "\r\n\r\n"),
                let length = Int(rest[header.upperBound..<end.lowerBound])
            else { return nil }
            return String(rest[end.upperBound...].utf8.prefix(length)) ?? ""
        }
        guard let offer = body(after: "INVITE sip:"), let o = parseSDP(offer) else { return nil }
        let answerText = [body(after: "SIP/2.0 183 Session Progress"), body(after: "SIP/2.0 200 OK\r\n")].compactMap {
            $0
        }.first
        guard let answerText, let a = parseSDP(answerText) else { return nil }
        return (o, a)
    }

    /// The SIP bytes a frame carries: the payload of a UDP datagram or TCP segment on port 5060, or of
    /// an IPv4 fragment (only SIP is fragmented in the corpus); empty for anything else.
    static func sipBytes(_ frame: Frame) -> ArraySlice<UInt8> {
        let d = frame.data
        let ip: Int
        switch frame.linkType {
        case .ethernet: ip = d.count > 13 && d[12] == 0x81 ? 18 : 14
        case .linuxSLL: ip = 16
        case .linuxSLL2: ip = 20
        default: ip = 0
        }
        guard d.count > ip + 40 else { return [] }
        var l4: Int
        var proto: UInt8
        var fragmentOffset = 0
        var fragmented = false
        if d[ip] >> 4 == 4 {
            l4 = ip + Int(d[ip] & 0x0F) * 4
            proto = d[ip + 9]
            fragmentOffset = (Int(d[ip + 6] & 0x1F) << 8 | Int(d[ip + 7])) * 8
            fragmented = d[ip + 6] & 0x20 != 0 || fragmentOffset != 0
        } else {
            l4 = ip + 40
            proto = d[ip + 6]
        }
        if fragmented {
            return d[(fragmentOffset == 0 ? l4 + 8 : l4)...]
        }
        let ports = [Int(d[l4]) << 8 | Int(d[l4 + 1]), Int(d[l4 + 2]) << 8 | Int(d[l4 + 3])]
        guard ports.contains(5060) else { return [] }
        if proto == 17 { return d[(l4 + 8)...] }
        if proto == 6 { return d[(l4 + Int(d[l4 + 12] >> 4) * 4)...] }
        return []
    }

    /// The crypto line a stream's key comes from, read from the capture's SIP text: the `a=crypto`
    /// line holding the stream's first key, which must be in the SDP of the stream's key frame or
    /// before it. Without signalling (a capture started mid-call), the keys of the expected results.
    static func line(for stream: ExpectedResults.Stream, sipText: [(frame: Int, text: String)]) throws -> Line {
        guard stream.keyFrame > 0 else {
            let suite = try #require(CryptoSuite(rawValue: stream.suite))
            return Line(
                tag: stream.cryptoTag, suite: suite,
                keys: try stream.keys.map { MasterKey(keyAndSalt: [UInt8](try #require(Data(base64Encoded: $0)))) })
        }
        let text = sipText.filter { $0.frame <= stream.keyFrame }.map(\.text).joined()
        let needle = "inline:" + (stream.keys.first ?? "?")
        let range = try #require(
            text.range(of: needle), "stream \(stream.ssrc): its key is not in the SDP up to frame \(stream.keyFrame)")
        let lineStart = try #require(text[..<range.lowerBound].range(of: "a=crypto", options: .backwards))
        let lineEnd = text[range.upperBound...].range(of: "\r\n")?.lowerBound ?? text.endIndex
        let parsed = try #require(parseSDP(String(text[lineStart.lowerBound..<lineEnd]))?.lines.first)
        #expect(parsed.suite.rawValue == stream.suite)
        #expect(parsed.tag == stream.cryptoTag)
        #expect(parsed.keys.map { Data($0.keyAndSalt).base64EncodedString() } == stream.keys)
        #expect(parsed.parameters == (stream.sessionParameters ?? []), "stream \(stream.ssrc): session parameters")
        return parsed
    }

    @Test(arguments: Corpus.entries)
    func libsrtpUnprotectsEveryMediaFrame(_ entry: Corpus.Entry) throws {
        let expected = try Corpus.expected(entry)
        let frames = try readFrames(entry.captureURL.path)
        let sipText = frames.map { (frame: $0.number, text: String(decoding: Self.sipBytes($0), as: UTF8.self)) }
        var sessions: [LibsrtpSession] = []
        var lines: [Line] = []
        var ownTransforms: Set<Int> = []
        for (i, stream) in expected.streams.enumerated() {
            if stream.protocol == "rtpme" {
                // MS-RTPME (DES-CBC, no libsrtp counterpart): the key must be the k= of the stream's SDP.
                let text = sipText.filter { $0.frame <= stream.keyFrame }.map(\.text).joined()
                #expect(
                    text.contains("k=base64:" + (stream.keys.first ?? "?")), "stream \(stream.ssrc): k= not in its SDP")
                ownTransforms.insert(i)
                sessions.append(
                    try LibsrtpSession(
                        suite: .aesCM128HMACSHA180, keys: [MasterKey(keyAndSalt: [UInt8](repeating: 0, count: 30))],
                        inbound: true))
                lines.append(Line(tag: 0, suite: .aesCM128HMACSHA180, keys: []))
                continue
            }
            let line = try Self.line(for: stream, sipText: sipText)
            // Streams libsrtp cannot protect were made by our own transforms (AES-192, F8, KDR): the
            // oracle has nothing to say about them; TransformsTests checks those transforms on vectors.
            if !line.suite.libsrtpImplements || stream.protocol == "ssrtp"
                || Self.sessionParameters(of: stream, sipText: sipText).contains(where: { $0.hasPrefix("KDR=") })
            {
                ownTransforms.insert(i)
                sessions.append(
                    try LibsrtpSession(
                        suite: .aesCM128HMACSHA180, keys: [MasterKey(keyAndSalt: [UInt8](repeating: 0, count: 30))],
                        inbound: true))
                lines.append(line)
                continue
            }
            let session = try LibsrtpSession(suite: line.suite, keys: line.keys, inbound: true, services: line.services)
            let ssrc = try #require(UInt32(stream.ssrc.dropFirst(2), radix: 16))
            try session.addStream(ssrc: ssrc, roc: stream.firstROC)
            sessions.append(session)
            lines.append(line)
        }
        var checked = 0
        for result in expected.mediaFrames where result.status != "not_media" {
            let udp = try #require(UDPView(frames[result.frame - 1]))
            let index = try #require(result.stream)
            if ownTransforms.contains(index) { continue }
            let stream = expected.streams[index]
            let session = sessions[index]
            let line = lines[index]
            let packet = try #require(relayedPacket(udp.payload, stream), "frame \(result.frame): relay framing")
            let rtcp = result.kind == "rtcp"
            let ssrcValue = try #require(UInt32(stream.ssrc.dropFirst(2), radix: 16))
            do {
                let plain: [UInt8]
                if rtcp, let mkiLength = line.keys.first?.mki.count, mkiLength > 0,
                    [.aesCM128HMACSHA132, .aes256CMHMACSHA132].contains(line.suite) || !line.services.authenticateRTP
                {
                    plain = try Self.unprotectRTCPWithMKI(packet, line: line, mkiLength: mkiLength, ssrc: ssrcValue)
                } else {
                    plain = try session.unprotect(packet, rtcp: rtcp)
                }
                #expect(
                    result.status == "authenticated",
                    "frame \(result.frame): libsrtp authenticated a packet expected \(result.status)")
                #expect(plaintextDigest(plain) == result.digest, "frame \(result.frame): plaintext digest")
                #expect(plain[0] >> 6 == 2, "frame \(result.frame): not RTP/RTCP version 2 after unprotect")
            } catch let error as LibsrtpError {
                // srtp_err_status_auth_fail = 7; replay_fail = 9, replay_old = 10.
                switch result.status {
                case "auth_failed": #expect(error.status == 7, "frame \(result.frame)")
                case "replayed": #expect(error.status == 9 || error.status == 10, "frame \(result.frame)")
                default: Issue.record("frame \(result.frame): libsrtp refused an authenticated packet: \(error)")
                }
            }
            checked += 1
        }
        #expect(checked > 50 || ownTransforms.count == expected.streams.count)
    }

    /// The session parameters of the `a=crypto` line carrying a stream's key (empty without signalling).
    static func sessionParameters(of stream: ExpectedResults.Stream, sipText: [(frame: Int, text: String)]) -> [String]
    {
        let text = sipText.filter { $0.frame <= stream.keyFrame }.map(\.text).joined()
        guard let key = stream.keys.first, let range = text.range(of: "inline:" + key) else { return [] }
        let end = text[range.upperBound...].range(of: "\r\n")?.lowerBound ?? text.endIndex
        // What follows the key: its own "|lifetime|mki" and further ";inline:" keys, then the parameters.
        return text[range.upperBound..<end].split(separator: " ").filter {
            !$0.hasPrefix("|") && !$0.hasPrefix(";") && !$0.contains("inline:")
        }
        .map(String.init)
    }

    /// The demo call (`make demo`), fully independently: keys parsed from its SDP offer and answer
    /// alone, each direction told by its destination port, every frame unprotected to its digest.
    @Test func demoCallRoundTripsThroughLibsrtp() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "demo-call" })
        let expected = try Corpus.expected(entry)
        #expect(expected.streams.count == 4)
        #expect(
            expected.streams.allSatisfy {
                $0.suite == "AES_CM_128_HMAC_SHA1_80" && $0.failures == 0 && $0.replayed == 0
            })
        #expect(expected.streams.filter { $0.protocol == "srtp" }.allSatisfy { $0.packets >= 490 })
        let frames = try readFrames(entry.captureURL.path)
        let (offer, answer) = try #require(Self.offerAndAnswer(frames), "no offer/answer SDP found")
        let answerLine = try #require(answer.lines.first)
        let offerLine = try #require(offer.lines.first { $0.tag == answerLine.tag })
        // An SDP's author keys what it sends (RFC 4568 §6.1): media to the offerer's ports comes from
        // the answerer, under the answer's key.
        let toOfferer = try LibsrtpSession(suite: answerLine.suite, keys: answerLine.keys, inbound: true)
        let toAnswerer = try LibsrtpSession(suite: offerLine.suite, keys: offerLine.keys, inbound: true)
        var checked = 0
        for result in expected.mediaFrames where result.status != "not_media" {
            let udp = try #require(UDPView(frames[result.frame - 1]))
            let dstPort = Int(udp.destination.split(separator: ":").last ?? "") ?? -1
            let session = (dstPort == offer.port || dstPort == offer.port + 1) ? toOfferer : toAnswerer
            let payload = Array(udp.payload)
            let at = result.kind == "rtcp" ? 4 : 8
            try session.addStream(
                ssrc: UInt32(payload[at]) << 24 | UInt32(payload[at + 1]) << 16 | UInt32(payload[at + 2]) << 8
                    | UInt32(payload[at + 3]))
            let plain = try session.unprotect(payload, rtcp: result.kind == "rtcp")
            #expect(plaintextDigest(plain) == result.digest, "frame \(result.frame)")
            checked += 1
        }
        #expect(checked == expected.mediaFrames.filter { $0.status != "not_media" }.count)
        #expect(checked > 1000)
    }

    /// libsrtp 2.5 finds an SRTCP MKI with the SRTP tag length (srtp_get_session_keys), so it cannot
    /// unprotect SRTCP with an MKI under the _32 suites, whose SRTCP tag stays 80 bits (RFC 4568
    /// §6.2.2), nor with UNAUTHENTICATED_SRTP (no SRTP tag, an 80-bit SRTCP tag). The oracle then picks the key by the MKI on the wire (RFC 3711 §3.4: E‖index, MKI,
    /// tag) and lets libsrtp check the packet without it.
    static func unprotectRTCPWithMKI(_ packet: [UInt8], line: Line, mkiLength: Int, ssrc: UInt32) throws -> [UInt8] {
        let tagStart = packet.count - 10
        let mki = Array(packet[(tagStart - mkiLength)..<tagStart])
        guard let key = line.keys.first(where: { $0.mki == mki }) else {
            throw LibsrtpError(operation: "find MKI \(mki)", status: 25)
        }
        let session = try LibsrtpSession(
            suite: line.suite, keys: [MasterKey(keyAndSalt: key.keyAndSalt)], inbound: true, services: line.services)
        try session.addStream(ssrc: ssrc)
        return try session.unprotect(Array(packet[..<(tagStart - mkiLength)]) + packet[tagStart...], rtcp: true)
    }

}
