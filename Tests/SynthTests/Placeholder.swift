import Testing
@testable import Synth

@Test func moduleLoads() { #expect(Bool(true)) }
