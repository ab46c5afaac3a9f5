// RTCP beyond SR/RR/SDES, as tshark reads it: the session-params-unencrypted call sends its RTCP in
// the clear (UNENCRYPTED_SRTCP), so tshark's SRTCP dissector shows every packet of the compounds: an XR
// (Receiver Reference Time, block type 4, and VoIP Metrics, 7, RFC 3611) in every 2nd SR compound, an
// APP "SYNT" (RFC 3550 §6.7) in every 3rd, and a BYE (§6.6) as the last RTCP of each source.
import Foundation
import Synth
import Testing

@Suite(.enabled(if: Tshark.path != nil, "tshark is not installed (apt-get install tshark)"))
struct RTCPExtrasTests {
    @Test func tsharkShowsXRAppAndBye() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "session-params-unencrypted" })
        #expect(entry.scenario.rtcpXREvery == 2 && entry.scenario.rtcpAppEvery == 3 && entry.scenario.rtcpBye == true)
        let rows = try Tshark.run([
            "-r", entry.captureURL.path, "-Y", "srtcp", "-T", "fields", "-e", "rtcp.senderssrc", "-e", "rtcp.pt", "-e",
            "rtcp.xr.bt", "-e", "rtcp.app.name",
        ]).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let expected = try Corpus.expected(entry)
        let sources = Set(expected.streams.filter { $0.protocol == "srtcp" }.map(\.ssrc))
        #expect(sources.count == 2)
        for ssrc in sources {
            let own = rows.filter { $0[0].hasPrefix(ssrc) }
            let types = own.map { $0[1].split(separator: ",").map(String.init) }
            // Every compound starts SR, SDES (RFC 3550 §6.1); the BYE compound is the last one.
            #expect(types.allSatisfy { Array($0.prefix(2)) == ["200", "202"] })
            #expect(types.last?.last == "203")
            #expect(types.filter { $0.contains("203") }.count == 1)
            let reports = types.count - 1
            #expect(reports >= 3, "\(ssrc): \(reports) compounds")
            let xr = own.filter { $0[1].contains("207") }
            #expect(xr.count == reports / 2)
            #expect(xr.allSatisfy { $0[2] == "4,7" })
            let app = own.filter { $0[1].contains("204") }
            #expect(app.count == reports / 3)
            #expect(app.allSatisfy { $0[3] == "SYNT" })
            // Which compounds: XR on the even ones, APP on every third (1-based).
            for (i, t) in types.dropLast().enumerated() {
                #expect(t.contains("207") == ((i + 1) % 2 == 0), "\(ssrc) compound \(i + 1)")
                #expect(t.contains("204") == ((i + 1) % 3 == 0), "\(ssrc) compound \(i + 1)")
            }
        }
    }
}
