internal import COpenSSL

/// OpenSSL reports failures through a per-thread error queue. When a call fails we drain the queue
/// into the `CryptoError` message (and leave it empty, so a stale entry never blames a later call).
enum OpenSSLErrors {
    static func drain() -> String {
        var parts: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            buffer.withUnsafeMutableBufferPointer { bytes in
                if let base = bytes.baseAddress {
                    ERR_error_string_n(code, base, bytes.count)
                }
            }
            parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.isEmpty ? "no OpenSSL error recorded" : parts.joined(separator: "; ")
    }

    /// Throws `CryptoError.library` unless `result` is OpenSSL's success value (1).
    /// `call` is an autoclosure so that naming the call costs nothing on the (per-packet) success path.
    static func check(_ result: Int32, _ call: @autoclosure () -> String) throws(CryptoError) {
        guard result == 1 else { throw .library(call(), drain()) }
    }
}
