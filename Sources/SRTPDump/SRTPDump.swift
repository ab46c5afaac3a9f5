// The pipelines that wire the stages together; what the CLI, tests and benchmarks call.
@_exported import Capture
@_exported import Datagrams
@_exported import Output
import Crypto

/// The version printed by `srtpdump --version`.
public let srtpdumpVersion = "0.1.0"

/// The crypto providers `--crypto` chooses from, and the one used when it is not given.
public let cryptoProviderNames = CryptoProviders.names
public let defaultCryptoProviderName = CryptoProviders.defaultName

/// Exit statuses, the same for every subcommand (documented in Docs/cli.md).
public enum ExitStatus: Int32, Sendable {
    /// Success: the capture was read (problems in it are reported, not fatal).
    case success = 0
    /// Some keyed packets failed authentication (decrypt, streams).
    case authenticationFailures = 1
    /// The input could not be read: missing or unreadable file, not a capture, bad filter.
    case inputUnreadable = 2
}
