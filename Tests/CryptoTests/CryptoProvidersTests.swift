import Testing

@testable import Crypto

struct CryptoProvidersTests {
    @Test func namedProvidersReportTheirNameAndLibrary() throws {
        let openssl = try CryptoProviders.named("openssl")
        #expect(openssl.name == "openssl")
        #expect(openssl.version.hasPrefix("OpenSSL 3"))
        let gcrypt = try CryptoProviders.named("gcrypt")
        #expect(gcrypt.name == "gcrypt")
        #expect(gcrypt.version.hasPrefix("libgcrypt 1."))
    }

    @Test func allAndDefault() throws {
        #expect(try CryptoProviders.all.map(\.name) == CryptoProviders.names)
        #expect(try CryptoProviders.default.name == CryptoProviders.defaultName)
        #expect(CryptoProviders.names.contains(CryptoProviders.defaultName))
    }

    @Test func unknownNameThrows() {
        #expect { try CryptoProviders.named("nss") } throws: { ($0 as? CryptoError)?.code == "unknown-provider" }
    }

    /// The legacy provider ships with Debian's libssl3; if this fails, MS-RTPME cannot work with OpenSSL.
    @Test func openSSLLoadsTheLegacyProviderForDES() throws {
        #expect(try OpenSSLProvider().supportsDES)
    }
}
