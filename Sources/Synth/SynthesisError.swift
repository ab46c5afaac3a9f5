/// Why a scenario cannot be synthesized, naming the field at fault.
public struct SynthesisError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
