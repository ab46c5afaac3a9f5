// The TURN exchange of the relayed corpus call, checked by outside tools: tshark decodes the STUN/TURN
// messages in their order (Allocate refused with 401 then granted, CreatePermission, Send/Data
// indications, ChannelBind, ChannelData, Refresh to 0), their addresses are those of the scenario, and
// it finds every FINGERPRINT correct; the openssl command line recomputes every MESSAGE-INTEGRITY
// (HMAC-SHA1 with the long-term key MD5(username:realm:password), RFC 8489 §9.2.2, §14.5).
import Foundation
import Synth
import Testing

@Suite(.enabled(if: Tshark.path != nil, "tshark is not installed (apt-get install tshark)"))
struct TURNExchangeTests {
    static var entry: Corpus.Entry? { Corpus.entries.first { $0.name == "turn-channeldata" } }

    @Test func tsharkShowsTheExchangeInOrder() throws {
        let entry = try #require(Self.entry)
        let turn = try #require(entry.scenario.turn)
        let rows = try Tshark.run([
            "-r", entry.captureURL.path, "-Y", "stun && !stun.channel", "-T", "fields", "-e", "stun.type", "-e",
            "stun.att.ipv4", "-e", "stun.att.port", "-e", "stun.att.channelnum",
        ]).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let types = rows.map { $0[0] }
        // Allocate request, 401 error, authenticated Allocate and success (RTP, then RTCP: no rtcp-mux).
        #expect(Array(types.prefix(6)) == ["0x0003", "0x0113", "0x0003", "0x0103", "0x0003", "0x0103"])
        // The relayed address the success gives is the one the SDP announces (RTCP on the next port).
        let relayed = turn.relayed.split(separator: ":")
        let first = try #require(rows.first { $0[0] == "0x0103" })
        #expect(first[1].hasPrefix("\(relayed[0]),") && first[2].hasPrefix("\(relayed[1]),"))
        for (request, success) in [("0x0008", "0x0108"), ("0x0009", "0x0109"), ("0x0004", "0x0104")] {
            #expect(types.filter { $0 == request }.count == 2, "\(request) per component")
            #expect(types.filter { $0 == success }.count == 2, "\(success) per component")
        }
        // ChannelBind names the scenario's channels; permissions and binds come before any ChannelData.
        let channels = rows.filter { $0[0] == "0x0009" }.map { $0[3] }
        #expect(
            channels == [
                String(format: "0x%04x", turn.channel ?? 0x4000),
                String(format: "0x%04x", (turn.channel ?? 0x4000) + 1),
            ])
        let sends = types.filter { $0 == "0x0016" }.count
        let datas = types.filter { $0 == "0x0017" }.count
        #expect(sends > 0 && datas > 0)
        let firstBind = try #require(types.firstIndex(of: "0x0009"))
        let lastIndication = try #require(types.lastIndex { $0 == "0x0016" || $0 == "0x0017" })
        let firstPermission = try #require(types.firstIndex(of: "0x0008"))
        let lastBound = try #require(types.lastIndex(of: "0x0109"))
        #expect(firstPermission < firstBind)
        // An indication may still cross the bind request; none after its success.
        #expect(lastIndication < lastBound)
        // Every FINGERPRINT is correct by tshark's own CRC-32 (status 1 = good).
        let fingerprints = try Tshark.run([
            "-r", entry.captureURL.path, "-Y", "stun.att.crc32", "-T", "fields", "-e", "stun.att.crc32.status",
        ]).split(separator: "\n")
        #expect(fingerprints.count == rows.count - sends - datas)
        #expect(fingerprints.allSatisfy { $0 == "1" })
    }

    @Test func opensslRecomputesEveryMessageIntegrity() throws {
        let entry = try #require(Self.entry)
        let credentials = Data(
            "\(entry.scenario.caller.user ?? "alice"):\(entry.scenario.caller.domain ?? "example.com"):synth".utf8)
        let md5 = try #require(OpenSSLCLI.run(["dgst", "-md5", "-binary"], input: credentials))
        try #require(md5.count == 16, "openssl md5")
        let key = md5.map { String(format: "%02x", $0) }.joined()
        var checked = 0
        for frame in try readFrames(entry.captureURL.path) {
            guard let udp = UDPView(frame) else { continue }
            let p = Array(udp.payload)
            // A STUN message (first two bits 0, magic cookie) with a MESSAGE-INTEGRITY attribute (0x0008).
            guard p.count >= 20, p[0] & 0xC0 == 0, p[4...7] == [0x21, 0x12, 0xA4, 0x42] else { continue }
            var at = 20
            while at + 4 <= p.count {
                let type = Int(p[at]) << 8 | Int(p[at + 1])
                let length = Int(p[at + 2]) << 8 | Int(p[at + 3])
                if type == 0x0008 {
                    try #require(length == 20 && at + 24 <= p.count)
                    // RFC 8489 §14.5: the header's length counts up to the end of MESSAGE-INTEGRITY.
                    var covered = Array(p[..<at])
                    let lengthTo = at + 24 - 20
                    covered[2] = UInt8(lengthTo >> 8)
                    covered[3] = UInt8(lengthTo & 0xFF)
                    let mac = try #require(
                        OpenSSLCLI.run(
                            ["mac", "-digest", "SHA1", "-macopt", "hexkey:\(key)", "-binary", "HMAC"],
                            input: Data(covered)))
                    #expect([UInt8](mac) == Array(p[(at + 4)..<(at + 24)]), "frame \(frame.number)")
                    checked += 1
                    break
                }
                at += 4 + (length + 3) / 4 * 4
            }
        }
        // Per component: authenticated Allocate and success, CreatePermission, ChannelBind, Refresh, each ×2.
        #expect(checked == 2 * 2 * 4)
    }
}
