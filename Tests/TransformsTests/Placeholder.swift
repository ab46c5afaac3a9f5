import Testing
@testable import Transforms

@Test func moduleLoads() { #expect(Bool(true)) }
