import Foundation
import Testing

/// The shared test vectors, `../shared/vectors/vectors.json` beside the repository (its README says
/// where each came from and how it was verified). Empty, and `available` false, when the file is absent.
public enum SharedVectors {
    public static var available: Bool { SharedFiles.vectorsPresent }

    public static let all: [Vector] = {
        guard let data = try? Data(contentsOf: SharedFiles.vectorsFile),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let list = object["vectors"] as? [[String: Any]]
        else { return [] }
        return list.compactMap(Vector.init)
    }()

    public static func ofType(_ types: String...) -> [Vector] { all.filter { types.contains($0.type) } }

    /// One vector: its id, type and the `inputs`/`expected` objects as parsed JSON.
    public struct Vector: @unchecked Sendable, CustomTestStringConvertible {
        public var id: String
        public var type: String
        public var inputs: [String: Any]
        public var expected: [String: Any]

        init?(_ json: [String: Any]) {
            guard let id = json["id"] as? String, let type = json["type"] as? String,
                let inputs = json["inputs"] as? [String: Any], let expected = json["expected"] as? [String: Any]
            else { return nil }
            (self.id, self.type, self.inputs, self.expected) = (id, type, inputs, expected)
        }

        /// An input or expected field as a string ("" when absent or not a string).
        public func input(_ key: String) -> String { inputs[key] as? String ?? "" }
        public func output(_ key: String) -> String { expected[key] as? String ?? "" }
        public func hexIn(_ key: String) -> [UInt8] { Hex.bytes(input(key)) }
        public func hexOut(_ key: String) -> [UInt8] { Hex.bytes(output(key)) }
        public func string(_ key: String) -> String { input(key) }
        /// A numeric input, or a string input read as hex.
        public func int(_ key: String) -> UInt64 {
            if let n = inputs[key] as? NSNumber { return n.uint64Value }
            if let s = inputs[key] as? String { return UInt64(s, radix: 16) ?? 0 }
            return 0
        }
        public func bool(_ key: String) -> Bool { (inputs[key] as? NSNumber)?.boolValue ?? false }
        /// Parameterised tests are listed by vector id.
        public var testDescription: String { id }
    }
}
