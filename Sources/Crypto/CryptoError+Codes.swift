/// The stable codes of `CryptoError`, one constructor per kind, so that tests and callers compare
/// `error.code` rather than message text.
extension CryptoError {
    /// A key whose length the algorithm does not accept (`code == "key-length"`).
    static func keyLength(_ algorithm: String, got: Int, allowed: [Int]) -> CryptoError {
        let list = allowed.map(String.init).joined(separator: ", ")
        return CryptoError("key-length", "\(algorithm): key is \(got) bytes, expected one of \(list)")
    }

    /// A buffer (IV, tag, block, data) of the wrong size (`code == "buffer-length"`).
    static func bufferLength(_ what: String, got: Int, expected: String) -> CryptoError {
        CryptoError("buffer-length", "\(what) is \(got) bytes, expected \(expected)")
    }

    /// An algorithm the library could not provide (`code == "algorithm-unavailable"`).
    static func unavailable(_ what: String, _ detail: String) -> CryptoError {
        CryptoError("algorithm-unavailable", "\(what): \(detail)")
    }

    /// A library call that failed where it should not (`code == "library"`).
    static func library(_ call: String, _ detail: String) -> CryptoError {
        CryptoError("library", "\(call) failed: \(detail)")
    }
}

/// Length checks shared by both providers: every public entry point validates its buffers first,
/// so a C function is never handed a length it would read or write past.
enum LengthCheck {
    static func exactly(_ count: Int, _ expected: Int, _ what: String) throws(CryptoError) {
        guard count == expected else {
            throw .bufferLength(what, got: count, expected: "\(expected)")
        }
    }

    static func atLeast(_ count: Int, _ minimum: Int, _ what: String) throws(CryptoError) {
        guard count >= minimum else {
            throw .bufferLength(what, got: count, expected: "at least \(minimum)")
        }
    }

    static func multiple(_ count: Int, of unit: Int, _ what: String) throws(CryptoError) {
        guard count % unit == 0 else {
            throw .bufferLength(what, got: count, expected: "a multiple of \(unit)")
        }
    }

    /// OpenSSL's EVP update functions take an `int` length.
    static func fitsInt32(_ count: Int, _ what: String) throws(CryptoError) {
        guard count <= Int(Int32.max) else {
            throw .bufferLength(what, got: count, expected: "at most \(Int32.max)")
        }
    }

    static func key(_ key: [UInt8], _ allowed: [Int], _ algorithm: String) throws(CryptoError) {
        guard allowed.contains(key.count) else {
            throw .keyLength(algorithm, got: key.count, allowed: allowed)
        }
    }
}

/// The AES key sizes (FIPS 197 §5): the index into a provider's table of fetched or opened algorithms.
enum AESKeySize: Int, CaseIterable, Sendable {
    case aes128 = 16
    case aes192 = 24
    case aes256 = 32

    init(keyLength: Int, algorithm: String, allowed: [AESKeySize] = AESKeySize.allCases) throws(CryptoError) {
        guard let size = AESKeySize(rawValue: keyLength), allowed.contains(size) else {
            throw .keyLength(algorithm, got: keyLength, allowed: allowed.map(\.rawValue))
        }
        self = size
    }

    var bits: Int { rawValue * 8 }
}
