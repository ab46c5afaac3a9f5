// Fuzz target: the key inputs a user hands srtpdump — `--key` specs, the key-file JSON (`--keys`) and
// signalling side files (`--signalling`) — and the key book built from what they yield.
// Byte 0 chooses the parser; the rest is the input. Every outcome is either entries or a
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
    switch selector % 3 {
    case 0:
        // Several specs separated by newlines, as several --key options would give them.
        let text = String(decoding: input, as: UTF8.self)
        for (i, spec) in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64).enumerated() {
            if let e = try? KeySpec.parse(String(spec), position: i + 1) { entries += e }
        }
    case 1:
        if let e = try? KeyFile.parse(input, name: "fuzz.json") { entries = e }
    default:
        let (messages, _) = SignallingFile.parse(input, name: "fuzz.txt")
        _ = messages.count
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
