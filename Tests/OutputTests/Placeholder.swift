import Testing
@testable import Output

@Test func moduleLoads() { #expect(Bool(true)) }
