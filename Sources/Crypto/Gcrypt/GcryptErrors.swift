internal import CGcrypt

/// libgcrypt returns a `gcry_error_t` (0 on success) from every call.
enum GcryptErrors {
    /// `call` is an autoclosure so that naming the call costs nothing on the (per-packet) success path.
    static func check(_ error: gcry_error_t, _ call: @autoclosure () -> String) throws(CryptoError) {
        guard error != 0 else { return }
        throw .library(call(), describe(error))
    }

    static func describe(_ error: gcry_error_t) -> String {
        guard let text = gcry_strerror(error) else { return "gcrypt error \(error)" }
        return String(cString: text)
    }

    /// The error code part (`gcry_err_code`, a static inline function in gcrypt.h).
    static func code(_ error: gcry_error_t) -> UInt32 {
        gcry_err_code(error).rawValue
    }
}
