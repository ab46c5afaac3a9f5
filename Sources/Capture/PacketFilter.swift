internal import CPcap

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A BPF capture filter (`-f "udp port 5060"`, pcap-filter(7) syntax), applied per frame.
///
/// The expression is compiled once per link type, on a `pcap_open_dead` handle for that type
/// (`pcap_compile`), and applied with `pcap_offline_filter`, so frames from pcapng interfaces of
/// different link types are each filtered with code generated for their own framing. An expression
/// that does not compile for Ethernet is refused at once; one that compiles for Ethernet but not for
/// another link type met later ("ether host …" on raw IP) matches nothing there, with a diagnostic.
///
/// The semantics are libpcap's, as tcpdump's `-r FILE EXPR`: "udp port 5060" does not look inside
/// 802.1Q tags (write "vlan and udp port 5060") nor past IPv6 extension headers ("ip6 protochain 17").
public final class PacketFilter {
    public let expression: String
    private var programs: [LinkType: UnsafeMutablePointer<bpf_program>] = [:]
    private var failed: Set<LinkType> = []
    private var diagnostics: [Diagnostic] = []
    /// Scratch copy of a NULL/LOOP frame whose address family had to be rewritten (see `matches`).
    private var scratch: [UInt8] = []
    // The last program used: frames of one link type come in long runs.
    private var lastLinkType: LinkType?
    private var lastProgram: UnsafeMutablePointer<bpf_program>?

    /// Snap length of the dead handles; libpcap uses it to bound generated loads.
    static let snapLength: Int32 = 262_144

    public init(_ expression: String) throws(CaptureError) {
        self.expression = expression
        switch Self.compile(expression, for: .ethernet) {
        case .success(let program):
            programs[.ethernet] = program
        case .failure(let message):
            throw CaptureError(.badFilter, "bad filter expression \"\(expression)\": \(message)")
        }
    }

    deinit {
        for program in programs.values {
            pcap_freecode(program)
            program.deallocate()
        }
    }

    private enum Compiled {
        case success(UnsafeMutablePointer<bpf_program>)
        case failure(String)
    }

    private static func compile(_ expression: String, for linkType: LinkType) -> Compiled {
        guard let dead = pcap_open_dead(linkType.dlt, snapLength) else {
            return .failure("libpcap cannot open a handle for link type \(linkType)")
        }
        defer { pcap_close(dead) }
        let program = UnsafeMutablePointer<bpf_program>.allocate(capacity: 1)
        program.initialize(to: bpf_program())
        guard pcap_compile(dead, program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            program.deallocate()
            return .failure(String(cString: pcap_geterr(dead)))
        }
        return .success(program)
    }

    /// Whether the expression compiles for `linkType` (compiling it now if it was not yet).
    public func supports(_ linkType: LinkType) -> Bool { program(for: linkType) != nil }

    private func program(for linkType: LinkType) -> UnsafeMutablePointer<bpf_program>? {
        if linkType == lastLinkType { return lastProgram }
        var program = programs[linkType]
        if program == nil, !failed.contains(linkType) {
            switch Self.compile(expression, for: linkType) {
            case .success(let p):
                programs[linkType] = p
                program = p
            case .failure(let message):
                failed.insert(linkType)
                diagnostics.append(
                    Diagnostic(.warning, code: "capture.filter-link-type", field: "filter",
                               "filter \"\(expression)\" does not apply to link type \(linkType) (\(message)); its frames are left out"))
            }
        }
        lastLinkType = linkType
        lastProgram = program
        return program
    }

    /// Whether `frame` passes the filter.
    public func matches(_ frame: Frame) -> Bool {
        guard let program = program(for: frame.linkType) else { return false }
        if frame.linkType == .null || frame.linkType == .loop, let family = Self.normalisedFamily(frame) {
            // BSD loopback headers hold an AF_ value whose IPv6 number differs between systems (24, 28,
            // 30) and, for NULL, whose byte order is the capturing host's. libpcap checks all of them
            // only when compiling against an open savefile; on a pcap_open_dead handle it expects this
            // host's AF_INET6 in host order (NULL) or network order (LOOP) (gencode.c,
            // gen_loopback_linktype). So the filter sees the frame with the family rewritten that way.
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: frame.data)
            let bytes = frame.linkType == .loop ? family.bigEndian : family
            withUnsafeBytes(of: bytes) { raw in
                for i in 0..<4 { scratch[i] = raw[i] }
            }
            return run(program, frame, scratch)
        }
        return run(program, frame, frame.data)
    }

    /// The AF_ value libpcap's generated code expects in place of `frame`'s, if it differs; nil to keep it.
    private static func normalisedFamily(_ frame: Frame) -> UInt32? {
        guard frame.data.count >= 4 else { return nil }
        let d = frame.data
        let little = UInt32(d[0]) | UInt32(d[1]) << 8 | UInt32(d[2]) << 16 | UInt32(d[3]) << 24
        let big = little.byteSwapped
        let isV6: (UInt32) -> Bool = { $0 == 24 || $0 == 28 || $0 == 30 || $0 == UInt32(AF_INET6) }
        let family: UInt32
        if little == 2 || big == 2 {
            family = 2
        } else if isV6(little) || isV6(big) {
            family = UInt32(AF_INET6)
        } else {
            return nil
        }
        // Already as expected: no copy.
        let host = d.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        let present = frame.linkType == .loop ? big : host
        return present == family ? nil : family
    }

    private func run(_ program: UnsafeMutablePointer<bpf_program>, _ frame: Frame, _ data: [UInt8]) -> Bool {
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(truncatingIfNeeded: frame.timestamp.seconds)
        header.ts.tv_usec = Int(frame.timestamp.nanoseconds / 1000)
        header.caplen = UInt32(truncatingIfNeeded: data.count)
        header.len = UInt32(truncatingIfNeeded: max(frame.originalLength, data.count))
        return data.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return pcap_offline_filter(program, &header, [0]) != 0 }
            return pcap_offline_filter(program, &header, base) != 0
        }
    }

    /// Diagnostics found since the last call (link types the expression does not apply to).
    public func takeDiagnostics() -> [Diagnostic] {
        defer { diagnostics.removeAll() }
        return diagnostics
    }
}
