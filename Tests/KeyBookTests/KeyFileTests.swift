import Datagrams
import Signalling
import Testing
import Transforms

@testable import KeyBook

struct KeyFileTests {
    static let file = """
        {"keys": [
          {"call_id": "c1", "frame": 4, "effective_frame": 4, "generation": 0, "source": "sdp", "role": "answer",
           "party": "callee", "sender": "198.51.100.20:50000", "sender_rtcp": "198.51.100.20:50001",
           "destination": "192.0.2.10:40000", "destination_rtcp": null, "ssrcs": [4294967295, "0x0000abcd"], "candidates": [],
           "media": "audio", "media_index": 0, "attribute": "crypto", "tag": 2, "suite": "AES_CM_128_HMAC_SHA1_32",
           "key": "\(keyB)", "mki": {"value": 258, "length": 2}, "lifetime": "2^20", "params": ["KDR=2"],
           "cryptex": false, "encrypted_extensions": [], "selected": true, "usable": true, "group": 5},
          {"suite": "AES_256_CM_HMAC_SHA1_80", "key": "\(key46)", "scope": {"ssrcs": [16], "addresses": ["[2001:db8::2]:9"]}},
          {"attribute": "k", "suite": "MS-RTPME", "key": "base64:QUJD", "call_id": "c2", "sender": "0.0.0.0:9"}
        ]}
        """

    @Test("reads every field the keys JSON carries")
    func read() throws {
        let read = try KeyFile.parse(Array(Self.file.utf8), name: "k.json")
        let e = read.entries
        #expect(e.count == 3)
        #expect(read.diagnostics.isEmpty)
        #expect(e[0].source == .keysFile(path: "k.json", entry: 1))
        #expect(e[0].callID == "c1" && e[0].frame == 4 && e[0].effectiveFrame == 4)
        #expect(e[0].sender?.description == "198.51.100.20:50000")
        #expect(e[0].destination?.description == "192.0.2.10:40000")
        #expect(e[0].ssrcs == [UInt32.max, 0xABCD])
        #expect(e[0].mki?.bytes == [1, 2])
        #expect(e[0].lifetimePackets == 1 << 20)
        #expect(e[0].keyDerivationRate == 4)
        #expect(e[0].suite == .aesCM128HMACSHA1_32 && e[0].tag == 2 && e[0].party == .callee && e[0].role == .answer)
        #expect(e[1].suite == .aes256CMHMACSHA1_80 && e[1].masterKey?.key.count == 32)
        #expect(e[1].scope.ssrcs == [16])
        #expect(e[1].scope.addresses.first?.description == "[2001:db8::2]:9")
        #expect(e[2].attribute == .k && e[2].keySalt == Array("ABC".utf8) && e[2].keyText == "base64:QUJD")
        #expect(e[2].sender?.description == "0.0.0.0:9" && e[2].callID == "c2")
    }

    @Test(
        "bad files name the option and the entry",
        arguments: [
            ("{\"keys\": [{\"key\": \"\(keyA)\"}]}", "entry 1", "no \"suite\""),
            (
                "{\"keys\": [{\"suite\": \"AES_CM_128_HMAC_SHA1_80\", \"key\": \"\(keyA)\"}, {\"suite\": \"AES_CM_128_HMAC_SHA1_80\", \"key\": \"QUJD\"}]}",
                "entry 2", "3 bytes"
            ),
            ("{\"keys\": [{\"suite\": \"X\", \"key\": \"\(keyA)\"}]}", "entry 1", "unknown suite"),
            (
                "{\"keys\": [{\"suite\": \"AES_CM_128_HMAC_SHA1_80\", \"key\": \"\(keyA)\", \"sender\": \"nowhere\"}]}",
                "entry 1", "sender"
            ),
            ("{\"keys\": [", "byte", "end"),
            ("[]", "k.json", "\"keys\" array"),
        ])
    func bad(text: String, position: String, message: String) {
        #expect {
            _ = try KeyFile.parse(Array(text.utf8), name: "k.json")
        } throws: { error in
            guard let e = error as? KeyInputError else { return false }
            return e.option == "--keys" && e.position.contains(position) && e.message.contains(message)
        }
    }

    @Test("an entry the report listed as unusable reads back as such, with a warning; the same entry unmarked is an error")
    func listedUnusable() throws {
        let unmarked = [
            #"{"suite": "AES_CM_128_HMAC_SHA1_80", "key": "QUJD"}"#,  // 3 bytes
            #"{"suite": "AES_CM_128_HMAC_SHA1_80", "key": null}"#,  // undecodable in the SDP
            #"{"suite": "AES_CM_128_HMAC_SHA1_80", "key": "not base64!"}"#,
            #"{"suite": "AES_CM_7", "key": "\#(keyA)"}"#,
            #"{"attribute": "k", "suite": "MS-RTPME", "key": "prompt"}"#,
        ]
        let rows = unmarked.map { $0.dropLast() + #", "usable": false}"# }
        let read = try KeyFile.parse(Array("{\"keys\": [\(rows.joined(separator: ","))]}".utf8), name: "k.json")
        #expect(read.entries.count == rows.count)
        #expect(read.entries.allSatisfy { !$0.isUsable })
        #expect(read.entries[0].keySalt == Array("ABC".utf8))
        #expect(read.entries[2].keyText == "not base64!" && read.entries[3].suiteName == "AES_CM_7")
        // An unknown suite's key kept as the SDP path keeps it: decoded, so that it is shown (and
        // fingerprinted by --redact-keys) the same.
        #expect(read.entries[3].keyText == nil && read.entries[3].keySalt?.count == 30)
        // One warning per entry with a key problem (the k=prompt entry has none: it is a valid k= line).
        #expect(read.diagnostics.count == 4)
        #expect(read.diagnostics.allSatisfy { $0.severity == .warning && $0.message.contains("listed as unusable") })
        #expect(read.diagnostics[0].field == "--keys k.json entry 1" && read.diagnostics[0].message.contains("3 bytes"))
        for row in unmarked.prefix(4) {
            #expect(throws: KeyInputError.self) { _ = try KeyFile.parse(Array("{\"keys\": [\(row)]}".utf8), name: "k.json") }
        }
        // Mended by hand (a good key, the flag left): read as any other entry, and usable.
        let mended = try KeyFile.parse(
            Array(#"{"keys": [{"suite": "AES_CM_128_HMAC_SHA1_80", "key": "\#(keyA)", "usable": false}]}"#.utf8), name: "k.json")
        #expect(mended.entries.first?.isUsable == true && mended.diagnostics.isEmpty)
    }

    @Test("an MKI length outside 1..128, as an a=crypto line may give it, is read with a warning")
    func mkiLengthOutsideTheGrammar() throws {
        let text = #"{"keys": [{"suite": "AES_CM_128_HMAC_SHA1_80", "key": "\#(keyA)", "mki": {"value": 1, "length": 200}}]}"#
        let read = try KeyFile.parse(Array(text.utf8), name: "k.json")
        #expect(read.entries.first?.mki == KeyEntry.MKI(value: 1, length: 200))
        #expect(read.diagnostics.map(\.severity) == [.warning])
        #expect(read.diagnostics.first?.message.contains("1..128") == true)
        let tooLong = #"{"keys": [{"suite": "AES_CM_128_HMAC_SHA1_80", "key": "\#(keyA)", "mki": {"value": 1, "length": 1000}}]}"#
        #expect(throws: KeyInputError.self) { _ = try KeyFile.parse(Array(tooLong.utf8), name: "k.json") }
    }

    @Test("a table written with --redact-keys is refused with the reason")
    func redactedTable() {
        for key in ["key#1a2b3c4d", "base64:key#1a2b3c4d"] {
            let text = #"{"keys": [{"attribute": "k", "suite": "AES_CM_128_HMAC_SHA1_80", "key": "\#(key)"}]}"#
            #expect {
                _ = try KeyFile.parse(Array(text.utf8), name: "k.json")
            } throws: { error in
                (error as? KeyInputError)?.message.contains("written with --redact-keys") == true
            }
        }
    }

    @Test("nesting is bounded")
    func deep() {
        let text = String(repeating: "[", count: 10_000)
        #expect(throws: KeyInputError.self) { _ = try KeyFile.parse(Array(text.utf8), name: "deep.json") }
    }
}
