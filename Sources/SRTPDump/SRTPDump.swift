// The pipeline that wires the stages together; what the CLI, tests and benchmarks call.
@_exported import Capture

/// The version printed by `srtpdump --version`.
public let srtpdumpVersion = "0.1.0"
