import Testing
import CSRTP

@Test func moduleLoads() { #expect(Bool(true)) }
