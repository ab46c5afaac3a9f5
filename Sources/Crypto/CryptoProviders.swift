/// The registry of crypto providers: what `--crypto openssl|gcrypt` chooses from.
///
/// Each provider is created once per process and shared (providers are `Sendable`; the per-stream
/// context objects they make are not, and belong to one stream each).
public enum CryptoProviders {
    /// The names accepted by `named(_:)`, in the order `all` returns them.
    public static let names = ["openssl", "gcrypt"]

    /// The provider used when the user does not choose: the faster one on the packet path, by the
    /// measurement recorded in Docs/crypto-providers.md (libgcrypt 1.10: about 2× faster than
    /// OpenSSL 3.0 for AES-128-CTR over 160 bytes plus HMAC-SHA1 over 172 bytes, mostly because
    /// OpenSSL 3.0 spends ~80 ns re-initialising a context for each new IV).
    public static let defaultName = "gcrypt"

    /// The provider called `name` (`"openssl"` or `"gcrypt"`). Throws `CryptoError` with code
    /// `unknown-provider` for any other name, or the provider's own error if its library failed to start.
    public static func named(_ name: String) throws -> any CryptoProvider {
        switch name {
        case "openssl": return try openSSL.get()
        case "gcrypt": return try gcrypt.get()
        default:
            throw CryptoError(
                "unknown-provider",
                "unknown crypto provider \"\(name)\"; expected one of \(names.joined(separator: ", "))")
        }
    }

    /// Every provider, in `names` order (both are always built; this throws only if a library failed to start).
    public static var all: [any CryptoProvider] {
        get throws { try names.map { try named($0) } }
    }

    /// The default provider (see `defaultName`).
    public static var `default`: any CryptoProvider {
        get throws { try named(defaultName) }
    }

    // Created on first use, once; a failure is remembered and reported on every request.
    private static let openSSL: Result<OpenSSLProvider, CryptoError> = make { try OpenSSLProvider() }
    private static let gcrypt: Result<GcryptProvider, CryptoError> = make { try GcryptProvider() }

    private static func make<P>(_ body: () throws -> P) -> Result<P, CryptoError> {
        do {
            return .success(try body())
        } catch let error as CryptoError {
            return .failure(error)
        } catch {
            return .failure(CryptoError("library", "\(error)"))
        }
    }
}
