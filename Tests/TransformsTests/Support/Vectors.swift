import Crypto
import Foundation
import Testing
import TestSupport

/// Both providers, by name (tests are parameterised over names so each is listed separately).
let providerNames = CryptoProviders.names

func provider(_ name: String) throws -> any CryptoProvider { try CryptoProviders.named(name) }
