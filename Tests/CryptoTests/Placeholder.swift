import Testing
@testable import Crypto

@Test func moduleLoads() { #expect(Bool(true)) }
