import Testing
@testable import Datagrams

@Test func moduleLoads() { #expect(Bool(true)) }
