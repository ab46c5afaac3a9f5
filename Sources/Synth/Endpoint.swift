import Datagrams

/// An IP address (v4 or v6) and port as the synthesizer builds packets from them: the address as bytes
/// in network order. Parsing and the RFC 5952 text form are Datagrams' `IPAddress`, so that what the
/// synthesizer writes and what the decoder reads are spelled by one implementation.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: [UInt8]
    public var port: UInt16

    public var isIPv6: Bool { address.count == 16 }

    public init(address: [UInt8], port: UInt16) {
        self.address = address
        self.port = port
    }

    /// "192.0.2.10" or "2001:db8::10" to 4 or 16 bytes; nil when the text is not an address.
    public static func parseAddress(_ text: String) -> [UInt8]? {
        IPAddress(text)?.bytes
    }

    /// The address as SDP and SIP write it (RFC 5952 form for IPv6).
    public var addressText: String {
        ipAddress?.description ?? address.map(String.init).joined(separator: ".")
    }

    /// "ip:port" as the expected-results file writes it ("[v6]:port" for IPv6).
    public var description: String {
        guard let ip = ipAddress else { return "\(addressText):\(port)" }
        return Datagrams.Endpoint(ip, port).description
    }

    private var ipAddress: IPAddress? {
        func word(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }
        switch address.count {
        case 4: return IPAddress(v4: UInt32(word(address[0..<4])))
        case 16: return IPAddress(v6High: word(address[0..<8]), low: word(address[8..<16]))
        default: return nil
        }
    }
}
