import Testing
import Datagrams

// Expected texts are the examples of RFC 5952 §4 and §5.
@Test(arguments: [
    ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),  // §4.2.1 longest run, §4.3 lower case
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // §4.2.3 tie: the first run
    ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // §4.2.3 the longest run wins
    ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // §4.2.2 a single zero group stays
    ("0:0:0:0:0:0:0:0", "::"),
    ("0:0:0:0:0:0:0:1", "::1"),
    ("::ffff:c000:0201", "::ffff:192.0.2.1"),  // §5 IPv4-mapped
    ("fe80::0:0:0:1", "fe80::1"),
    ("2001:DB8::AB:CD", "2001:db8::ab:cd"),
])
func ipv6TextFollowsRFC5952(input: String, expected: String) throws {
    let a = try #require(IPAddress(input))
    #expect(a.family == .v6)
    #expect(a.description == expected)
    #expect(IPAddress(expected) == a)
}

@Test func ipv4TextAndBytes() throws {
    let a = try #require(IPAddress("192.0.2.33"))
    #expect(a.family == .v4)
    #expect(a.v4Value == 0xC000_0221)
    #expect(a.description == "192.0.2.33")
    #expect(a.bytes == [192, 0, 2, 33])
    #expect(IPAddress("256.1.1.1") == nil)
    #expect(IPAddress("1.2.3") == nil)
    #expect(IPAddress("1:2:3") == nil)
    #expect(IPAddress("1::2::3") == nil)
    // 10.0.0.1 and ::a00:1 hold the same low bits but are different addresses.
    #expect(IPAddress("10.0.0.1") != IPAddress("::a00:1"))
}

@Test func endpointText() throws {
    #expect(Endpoint(try #require(IPAddress("10.1.2.3")), 5060).description == "10.1.2.3:5060")
    #expect(Endpoint(try #require(IPAddress("2001:db8::1")), 5061).description == "[2001:db8::1]:5061")
    let set: Set<Endpoint> = [
        Endpoint(IPAddress(v4: 1), 1), Endpoint(IPAddress(v4: 1), 1), Endpoint(IPAddress(v4: 1), 2),
    ]
    #expect(set.count == 2)
}
