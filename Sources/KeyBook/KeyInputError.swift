/// A key given on the command line or in a file that cannot be used: names the option, the position
/// (which `--key`, which entry or line of a file) and what is wrong.
public struct KeyInputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `--key`, `--keys` or `--signalling`.
    public var option: String
    /// Where: `#2` for the second `--key`, `keys.json entry 3`, `calls.txt line 14`.
    public var position: String
    public var message: String

    public init(option: String, position: String, _ message: String) {
        self.option = option
        self.position = position
        self.message = message
    }

    public var description: String { "\(option) \(position): \(message)" }
}
