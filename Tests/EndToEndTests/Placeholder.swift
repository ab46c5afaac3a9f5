import Testing
@testable import SRTPDump

@Test func moduleLoads() { #expect(Bool(true)) }
