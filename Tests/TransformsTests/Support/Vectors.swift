import Crypto
import Foundation
import Testing

/// The shared test vectors, `../shared/vectors/vectors.json` beside the repository (README there:
/// each vector names its source and how it was verified). Tests that use them are skipped, with a
/// message, when the file is absent (a clone without the shared directory).
enum Vectors {
    static let url: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // TransformsTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .deletingLastPathComponent()  // the directory holding the repository
        .appendingPathComponent("shared/vectors/vectors.json")

    static let available: Bool = FileManager.default.fileExists(atPath: url.path)

    static let all: [Vector] = {
        guard let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let list = object["vectors"] as? [[String: Any]]
        else { return [] }
        return list.compactMap(Vector.init)
    }()

    static func ofType(_ types: String...) -> [Vector] { all.filter { types.contains($0.type) } }

    struct Vector: @unchecked Sendable, CustomTestStringConvertible {
        var id: String
        var type: String
        var inputs: [String: Any]
        var expected: [String: Any]

        init?(_ json: [String: Any]) {
            guard let id = json["id"] as? String, let type = json["type"] as? String,
                let inputs = json["inputs"] as? [String: Any], let expected = json["expected"] as? [String: Any]
            else { return nil }
            (self.id, self.type, self.inputs, self.expected) = (id, type, inputs, expected)
        }

        func hexIn(_ key: String) -> [UInt8] { hex(inputs[key] as? String ?? "") }
        func hexOut(_ key: String) -> [UInt8] { hex(expected[key] as? String ?? "") }
        func string(_ key: String) -> String { inputs[key] as? String ?? "" }
        func int(_ key: String) -> UInt64 {
            if let n = inputs[key] as? NSNumber { return n.uint64Value }
            if let s = inputs[key] as? String { return UInt64(s, radix: 16) ?? 0 }
            return 0
        }
        func bool(_ key: String) -> Bool { (inputs[key] as? NSNumber)?.boolValue ?? false }
        var testDescription: String { id }
    }
}

/// Bytes from hex, ignoring spaces and newlines (fixtures are written as annotated hex).
func hex(_ s: String) -> [UInt8] {
    let digits = s.compactMap { $0.hexDigitValue }
    return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(digits[$0] << 4 | digits[$0 + 1]) }
}

func hexString(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

/// Both providers, by name (tests are parameterised over names so each is listed separately).
let providerNames = CryptoProviders.names

func provider(_ name: String) throws -> any CryptoProvider { try CryptoProviders.named(name) }

/// A deterministic generator for randomised tests (SplitMix64), so that failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &self) } }
}
