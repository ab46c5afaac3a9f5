import Analysis
import Capture
import Foundation
import SRTPDump
import Testing

/// `dissect` with keys on SRTP in IP fragments: the datagram is shown, decrypted, at the frame that
/// completes it (the fragments before it show as fragments), as `decrypt` would decrypt it. The captures
/// and keys are FragmentedMediaDecryptTests' (libsrtp protects, the fragments are cut by hand).
@Suite struct FragmentedMediaDissectTests {
    typealias F = FragmentedMediaDecryptTests

    static func dissect(_ built: F.Built) throws -> [Int: [String: Any]] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fragdissect-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        var options = DissectPipeline.Options(capturePath: built.path)
        options.format = .json
        var media = DissectPipeline.MediaOptions()
        media.keys = F.keys
        options.media = media
        let stream = try OutputStream(path: out.path)
        _ = try DissectPipeline(options: options).run(output: stream, errors: OutputStream(path: "/dev/null"))
        stream.flush()
        var lines: [Int: [String: Any]] = [:]
        for l in try String(contentsOf: out, encoding: .utf8).split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any]
            if let o = object, let n = o["frame"] as? Int { lines[n] = o }
        }
        return lines
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: [false, true])
    func datagramShownDecryptedAtItsLastFragment(v6: Bool) throws {
        let s = try F.Sender(v6: v6)
        // Three fragments out of order (last, first, middle), then a whole packet of the same stream.
        let pieces = F.fragments(try s.udp(seq: 7, payloadLength: 400), cuts: [136, 272], v6: v6, id: 5)
        let frames = [pieces[2], pieces[0], pieces[1], F.whole(try s.udp(seq: 8, payloadLength: 160), v6: v6, id: 6)]
        let built = try F.write(frames, plaintext: s.plaintext)
        defer { F.cleanUp(built) }
        let lines = try Self.dissect(built)
        #expect(lines.count == 4)
        for n in [1, 2] { #expect(lines[n]?["srtp"] == nil, "frame \(n): a fragment shown as SRTP") }
        for (n, seq) in [(3, UInt16(7)), (4, UInt16(8))] {
            let srtp = try #require(lines[n]?["srtp"] as? [String: Any], "frame \(n): no srtp object")
            #expect(srtp["outcome"] as? String == "authenticated", "frame \(n)")
            #expect(srtp["tag"] as? String == srtp["tag_computed"] as? String)
            let decrypted = try #require(srtp["decrypted"] as? [String: Any])
            #expect(decrypted["packet"] as? String == Self.hex(try #require(s.plaintext[seq])), "frame \(n)")
        }
    }
}
