import Foundation
import Testing

/// The shared test vectors, `../shared/vectors/vectors.json` beside the repository (see its README:
/// each vector names its RFC section and how it was verified). Tests that use them are skipped, with
/// a message, when the file is absent (a clone without the shared directory).
enum SharedVectors {
    static let url: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // CryptoTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .deletingLastPathComponent()  // the directory holding the repository
        .appendingPathComponent("shared/vectors/vectors.json")

    static let available: Bool = FileManager.default.fileExists(atPath: url.path)

    static let all: [Vector] = {
        guard let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.vectors
    }()

    static func ofType(_ type: String) -> [Vector] { all.filter { $0.type == type } }

    struct File: Decodable { var vectors: [Vector] }

    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        var id: String
        var type: String
        var inputs: [String: Value]
        var expected: [String: Value]

        /// An input or expected field as a string ("" when absent or not a string).
        func input(_ key: String) -> String { inputs[key]?.string ?? "" }
        func output(_ key: String) -> String { expected[key]?.string ?? "" }
        /// Parameterised tests are listed by vector id.
        var testDescription: String { id }
    }

    /// Any JSON value.
    indirect enum Value: Decodable, Sendable {
        case string(String), number(Double), bool(Bool), object([String: Value]), array([Value]), null

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode([String: Value].self) {
                self = .object(value)
            } else {
                self = .array(try container.decode([Value].self))
            }
        }

        var string: String? { if case .string(let value) = self { value } else { nil } }
        var number: Double? { if case .number(let value) = self { value } else { nil } }
        var object: [String: Value]? { if case .object(let value) = self { value } else { nil } }
    }
}
