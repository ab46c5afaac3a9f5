import Testing
@testable import Signalling

@Test func moduleLoads() { #expect(Bool(true)) }
