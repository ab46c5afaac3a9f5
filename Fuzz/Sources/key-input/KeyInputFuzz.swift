// Fuzz target: the key inputs a user hands srtpdump — `--key` specs, the key-file JSON (`--keys`),
// signalling side files (`--signalling`), and the key logs: `--tls-keylog` (NSS key log),
// `--dtls-srtp-material` and `--keys-from-log` (media-server logs) — and the key book built from
// what they yield. Byte 0 mod 6 chooses the parser (0–2 as before the key logs came, so the older
// seeds keep their meaning); the rest is the input, parsed from bytes by the same functions the
// file readers call after reading the file. Every outcome is either entries or a
// KeyInputError naming the position: never a crash, a hang or unbounded growth.
import Datagrams
import FuzzSupport
import KeyBook

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let all = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let selector = all.first else { return 0 }
    let input = Array(all.dropFirst())
    var entries: [KeyEntry] = []
    switch selector % 6 {
    case 0:
        // Several specs separated by newlines, as several --key options would give them.
        let text = String(decoding: input, as: UTF8.self)
        for (i, spec) in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64).enumerated() {
            if let e = try? KeySpec.parse(String(spec), position: i + 1) { entries += e }
        }
    case 1:
        if let e = try? KeyFile.parse(input, name: "fuzz.json") { entries = e.entries }
    case 2:
        let (messages, _) = SignallingFile.parse(input, name: "fuzz.txt")
        _ = messages.count
    case 3:
        // Two logs merged, as a repeated --tls-keylog is: the second is the input's second half.
        let half = input.count / 2
        let log = TLSKeyLog.parse(input, path: "fuzz.keylog")
        let merged = TLSKeyLog.merged([log, TLSKeyLog.parse(Array(input[half...]), path: "half.keylog")])
        _ = merged?.secrets.count
    case 4:
        if let e = try? DTLSSRTPMaterialFile.parse(input, path: "fuzz.hex") { entries = e }
    default:
        entries = MediaServerKeyLog.scan(input, path: "fuzz.log").entries
    }
    var book = KeyBook()
    book.add(manual: entries)
    let a = Endpoint(IPAddress(v4: 0x0A00_0001), 4000)
    let b = Endpoint(IPAddress(v4: 0x0A00_0002), 5000)
    for e in book.candidates(frame: 1, source: a, destination: b, ssrc: 0x1234_5678) {
        _ = e.entries.first?.masterKey
    }
    return 0
}
