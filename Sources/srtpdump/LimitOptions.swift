import ArgumentParser
import SRTPDump

/// `--limit NAME=VALUE`, repeatable, taken by every subcommand: the bounds on memory and effort that
/// keep a hostile or huge capture from growing srtpdump without end (Docs/robustness.md).
/// `--limit help` prints every limit with its default.
struct LimitOptions: ParsableArguments {
    @Option(
        name: .customLong("limit"),
        help: ArgumentHelp(
            "Set a resource limit, e.g. tcp-bytes=256M or streams=50000. Repeatable; `--limit help` lists them with their defaults.",
            valueName: "name=value"))
    var specs: [String] = []

    func validate() throws {
        if specs.contains(where: { $0.lowercased() == "help" }) {
            throw CleanExit.message(ResourceLimits.helpText())
        }
        _ = try resolved()
    }

    /// Whether a command line asks for `--limit help` (`--limit help`, `--limit=help`), whatever else it
    /// holds or lacks: the list needs no capture.
    static func asksForHelp(_ arguments: [String]) -> Bool {
        for (i, a) in arguments.enumerated() {
            if a == "--" { return false }
            if a.lowercased() == "--limit=help" { return true }
            if a == "--limit", i + 1 < arguments.count, arguments[i + 1].lowercased() == "help" { return true }
        }
        return false
    }

    /// The limits after every `--limit`, in order (a later one wins); also installs the SIP/SDP ones,
    /// which every parser reads process-wide.
    func resolved() throws -> ResourceLimits {
        var limits = ResourceLimits()
        for s in specs {
            do { try limits.set(s) } catch { throw ValidationError(error.description) }
        }
        limits.installSignallingLimits()
        return limits
    }
}
