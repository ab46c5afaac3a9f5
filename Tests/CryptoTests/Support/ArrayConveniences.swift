@testable import Crypto

/// Array-in, array-out wrappers over the pointer-based protocol, for readable tests.
extension AESBlockCipher {
    func encrypt(_ block: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: block.count)
        try block.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { try encryptBlock(input, into: $0) }
        }
        return output
    }
}

extension AESCounterMode {
    func apply(iv: [UInt8], to data: [UInt8]) throws -> [UInt8] {
        var buffer = data
        try iv.withUnsafeBytes { ivBytes in
            try buffer.withUnsafeMutableBytes { try apply(iv: ivBytes, to: $0) }
        }
        return buffer
    }
}

extension HMACSHA1 {
    func mac(_ data: [UInt8]) throws -> [UInt8] {
        try reset()
        try data.withUnsafeBytes { try update($0) }
        var output = [UInt8](repeating: 0, count: 20)
        try output.withUnsafeMutableBytes { try finalize(into: $0) }
        return output
    }
}

extension AESGCM {
    func seal(iv: [UInt8], aad: [UInt8], plaintext: [UInt8]) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        var data = plaintext
        var tag = [UInt8](repeating: 0, count: 16)
        try iv.withUnsafeBytes { ivBytes in
            try aad.withUnsafeBytes { aadBytes in
                try data.withUnsafeMutableBytes { dataBytes in
                    try tag.withUnsafeMutableBytes { try seal(iv: ivBytes, aad: aadBytes, data: dataBytes, tag: $0) }
                }
            }
        }
        return (data, tag)
    }

    /// The plaintext, or nil when the tag does not verify.
    func open(iv: [UInt8], aad: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws -> [UInt8]? {
        var data = ciphertext
        let good = try iv.withUnsafeBytes { ivBytes in
            try aad.withUnsafeBytes { aadBytes in
                try data.withUnsafeMutableBytes { dataBytes in
                    try tag.withUnsafeBytes { try open(iv: ivBytes, aad: aadBytes, data: dataBytes, tag: $0) }
                }
            }
        }
        return good ? data : nil
    }
}

extension DESCBC {
    func encrypt(iv: [UInt8], _ data: [UInt8]) throws -> [UInt8] {
        var buffer = data
        try iv.withUnsafeBytes { ivBytes in try buffer.withUnsafeMutableBytes { try encrypt(iv: ivBytes, data: $0) } }
        return buffer
    }

    func decrypt(iv: [UInt8], _ data: [UInt8]) throws -> [UInt8] {
        var buffer = data
        try iv.withUnsafeBytes { ivBytes in try buffer.withUnsafeMutableBytes { try decrypt(iv: ivBytes, data: $0) } }
        return buffer
    }
}
