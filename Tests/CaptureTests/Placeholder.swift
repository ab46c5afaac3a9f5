import Testing
@testable import Capture

@Test func moduleLoads() { #expect(Bool(true)) }
