import Capture

/// A 48-bit IEEE 802 MAC address, stored inline.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt64
    public init(_ value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }
    public var description: String {
        (0..<6).map { i in
            let b = UInt8(truncatingIfNeeded: value >> (40 - 8 * i))
            return (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined(separator: ":")
    }
}

/// The VLAN tags of a frame, outermost first, held inline (no allocation) up to `VLANTags.limit`.
public struct VLANTags: Hashable, Sendable {
    /// How many stacked tags are walked before the frame is reported (QinQ rarely goes past two).
    public static let limit = 4
    public private(set) var count = 0
    // Each entry is TPID << 16 | TCI.
    private var t0: UInt32 = 0, t1: UInt32 = 0, t2: UInt32 = 0, t3: UInt32 = 0

    public init() {}

    mutating func append(tpid: UInt16, tci: UInt16) {
        let v = UInt32(tpid) << 16 | UInt32(tci)
        switch count {
        case 0: t0 = v
        case 1: t1 = v
        case 2: t2 = v
        case 3: t3 = v
        default: return
        }
        count += 1
    }

    private func raw(_ i: Int) -> UInt32 {
        switch i {
        case 0: t0
        case 1: t1
        case 2: t2
        default: t3
        }
    }

    /// The 12-bit VLAN identifier of tag `i` (IEEE 802.1Q §9.6).
    public func id(_ i: Int) -> UInt16 { UInt16(truncatingIfNeeded: raw(i)) & 0x0FFF }
    /// The 3-bit priority code point of tag `i`.
    public func priority(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: raw(i) >> 13) & 7 }
    /// The tag protocol identifier of tag `i` (0x8100, 0x88A8 or 0x9100).
    public func tpid(_ i: Int) -> UInt16 { UInt16(truncatingIfNeeded: raw(i) >> 16) }
    /// All VLAN identifiers, outermost first (allocates; for display).
    public var ids: [UInt16] { (0..<count).map(id) }
}

/// The link-layer header of a frame: which kind, its addresses and tags, and where the network layer starts.
///
/// The optional fields are views of plain stored values and a presence mask (`fields`): the decoder
/// rewrites this header for every frame, and clearing nine optionals cost ~18 stores per frame, where a
/// mask costs one (Docs/PERFORMANCE.md, "Classify-only pass, third round"). Equality, hashing and the
/// description look at the fields through the mask only, so a header keeps no trace of an earlier one.
public struct LinkLayer: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case ethernet, linuxSLL, linuxSLL2, rawIP, bsdNull, bsdLoop
    }

    /// What the link layer carries next.
    public enum Payload: Hashable, Sendable {
        case ipv4, ipv6
        /// An EtherType (or address family, for NULL/LOOP) this module does not decode.
        case other(UInt32)
    }

    public var kind: Kind
    public var vlans = VLANTags()
    public var payload: Payload
    /// Absolute offset of the network-layer header in the frame.
    public var payloadOffset: Int

    /// Which of the optional fields are present.
    struct Fields: OptionSet, Hashable, Sendable {
        var rawValue: UInt16
        static let source = Fields(rawValue: 1)
        static let destination = Fields(rawValue: 2)
        static let etherType = Fields(rawValue: 4)
        static let sllPacketType = Fields(rawValue: 8)
        static let sllHardwareType = Fields(rawValue: 16)
        static let sllAddress = Fields(rawValue: 32)
        static let sllAddressLength = Fields(rawValue: 64)
        static let sllInterfaceIndex = Fields(rawValue: 128)
        static let addressFamily = Fields(rawValue: 256)
        static let macAddresses: Fields = [.source, .destination]
        static let sll: Fields = [.sllPacketType, .sllHardwareType, .sllAddress, .sllAddressLength]

        mutating func update(_ f: Fields, present: Bool) {
            if present { insert(f) } else { remove(f) }
        }
    }
    var fields = Fields()
    // The values behind the optionals; meaningful only where `fields` says so.
    var sourceValue = MACAddress(0)
    var destinationValue = MACAddress(0)
    var etherTypeValue: UInt16 = 0
    var sllPacketTypeValue: UInt16 = 0
    var sllHardwareTypeValue: UInt16 = 0
    var sllAddressValue: UInt64 = 0
    var sllAddressLengthValue = 0
    var sllInterfaceIndexValue: UInt32 = 0
    var addressFamilyValue: UInt32 = 0

    public var source: MACAddress? {
        get { fields.contains(.source) ? sourceValue : nil }
        set {
            if let v = newValue { sourceValue = v }
            fields.update(.source, present: newValue != nil)
        }
    }
    public var destination: MACAddress? {
        get { fields.contains(.destination) ? destinationValue : nil }
        set {
            if let v = newValue { destinationValue = v }
            fields.update(.destination, present: newValue != nil)
        }
    }
    /// The final EtherType after any VLAN tags (Ethernet, SLL, SLL2).
    public var etherType: UInt16? {
        get { fields.contains(.etherType) ? etherTypeValue : nil }
        set {
            if let v = newValue { etherTypeValue = v }
            fields.update(.etherType, present: newValue != nil)
        }
    }
    /// The SLL/SLL2 packet type (0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us).
    public var sllPacketType: UInt16? {
        get { fields.contains(.sllPacketType) ? sllPacketTypeValue : nil }
        set {
            if let v = newValue { sllPacketTypeValue = v }
            fields.update(.sllPacketType, present: newValue != nil)
        }
    }
    /// The SLL/SLL2 ARPHRD_ type of the interface.
    public var sllHardwareType: UInt16? {
        get { fields.contains(.sllHardwareType) ? sllHardwareTypeValue : nil }
        set {
            if let v = newValue { sllHardwareTypeValue = v }
            fields.update(.sllHardwareType, present: newValue != nil)
        }
    }
    /// The SLL/SLL2 link-layer source address (up to 8 bytes, left-aligned in network order) and its length.
    public var sllAddress: UInt64? {
        get { fields.contains(.sllAddress) ? sllAddressValue : nil }
        set {
            if let v = newValue { sllAddressValue = v }
            fields.update(.sllAddress, present: newValue != nil)
        }
    }
    public var sllAddressLength: Int? {
        get { fields.contains(.sllAddressLength) ? sllAddressLengthValue : nil }
        set {
            if let v = newValue { sllAddressLengthValue = v }
            fields.update(.sllAddressLength, present: newValue != nil)
        }
    }
    /// The SLL2 interface index.
    public var sllInterfaceIndex: UInt32? {
        get { fields.contains(.sllInterfaceIndex) ? sllInterfaceIndexValue : nil }
        set {
            if let v = newValue { sllInterfaceIndexValue = v }
            fields.update(.sllInterfaceIndex, present: newValue != nil)
        }
    }
    /// The NULL/LOOP address family as read.
    public var addressFamily: UInt32? {
        get { fields.contains(.addressFamily) ? addressFamilyValue : nil }
        set {
            if let v = newValue { addressFamilyValue = v }
            fields.update(.addressFamily, present: newValue != nil)
        }
    }

    public static func == (a: LinkLayer, b: LinkLayer) -> Bool {
        a.kind == b.kind && a.vlans == b.vlans && a.payload == b.payload && a.payloadOffset == b.payloadOffset
            && a.source == b.source && a.destination == b.destination && a.etherType == b.etherType
            && a.sllPacketType == b.sllPacketType && a.sllHardwareType == b.sllHardwareType
            && a.sllAddress == b.sllAddress && a.sllAddressLength == b.sllAddressLength
            && a.sllInterfaceIndex == b.sllInterfaceIndex && a.addressFamily == b.addressFamily
    }

    public func hash(into h: inout Hasher) {
        h.combine(kind)
        h.combine(vlans)
        h.combine(payload)
        h.combine(payloadOffset)
        h.combine(source)
        h.combine(destination)
        h.combine(etherType)
        h.combine(sllPacketType)
        h.combine(sllHardwareType)
        h.combine(sllAddress)
        h.combine(sllAddressLength)
        h.combine(sllInterfaceIndex)
        h.combine(addressFamily)
    }

    /// Every field, the absent ones as nil (the stored values behind the mask are not shown).
    public var description: String {
        func o<T>(_ v: T?) -> String { v.map { "Optional(\($0))" } ?? "nil" }
        return "LinkLayer(kind: \(kind), source: \(o(source)), destination: \(o(destination)), vlans: \(vlans), "
            + "etherType: \(o(etherType)), sllPacketType: \(o(sllPacketType)), sllHardwareType: \(o(sllHardwareType)), "
            + "sllAddress: \(o(sllAddress)), sllAddressLength: \(o(sllAddressLength)), "
            + "sllInterfaceIndex: \(o(sllInterfaceIndex)), addressFamily: \(o(addressFamily)), payload: \(payload), "
            + "payloadOffset: \(payloadOffset))"
    }

    init(kind: Kind, payload: Payload, payloadOffset: Int) {
        self.kind = kind
        self.payload = payload
        self.payloadOffset = payloadOffset
    }

    static let etherTypeIPv4: UInt16 = 0x0800
    static let etherTypeIPv6: UInt16 = 0x86DD
    /// IEEE 802.1Q C-tag, 802.1ad S-tag, and the pre-standard QinQ TPID.
    static func isVLANTag(_ t: UInt16) -> Bool { t == 0x8100 || t == 0x88A8 || t == 0x9100 }

    /// Parses the link-layer header of `data` (a whole frame) for `linkType`.
    ///
    /// Throws when the header is shorter than its fixed part, when VLAN tags are nested deeper than
    /// `VLANTags.limit`, or when the link type is not one this module decodes.
    public static func parse(_ data: ArraySlice<UInt8>, linkType: LinkType) throws(ParseError) -> LinkLayer {
        var link = LinkLayer(kind: .ethernet, payload: .other(0), payloadOffset: 0)
        try data.withByteView { (view) throws(ParseError) in try parse(source: view, linkType: linkType, into: &link) }
        return link
    }

    /// Parses into `link`, overwriting every field: the decoder's form, which writes the header once,
    /// where the `DecodedFrame` keeps it. On a throw, `link` is partly written and must not be used.
    @inline(__always)
    static func parse(source data: ByteView, linkType: LinkType, into link: inout LinkLayer)
        throws(ParseError)
    {
        let s = data.startIndex
        link.fields = []
        link.vlans = VLANTags()
        // On the raw values: `LinkType`'s named values are globals of another module, which a switch over
        // them would check for initialisation on every frame.
        // Ethernet first, before the switch (which the compiler turns into a search over the values).
        if linkType.rawValue == 1 {  // LinkType.ethernet
            // IEEE 802.3 / Ethernet II: destination, source, EtherType (or TPID of a tag).
            guard let h = data.fixed(14, at: s) else {
                throw .truncated("eth", field: "eth", need: 14, have: data.count)
            }
            link.kind = .ethernet
            try walkTags(data, type: h.be16(12), at: s + 14, into: &link)
            link.destinationValue = MACAddress(UInt64(h.be16(0)) << 32 | UInt64(h.be32(2)))
            link.sourceValue = MACAddress(UInt64(h.be16(6)) << 32 | UInt64(h.be32(8)))
            link.fields.formUnion(.macAddresses)
            return
        }
        switch linkType.rawValue {
        case 113:  // LinkType.linuxSLL
            // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html: 16 bytes.
            guard let pkt = data.be16(at: s), let hw = data.be16(at: s + 2), let alen = data.be16(at: s + 4),
                let addr = data.be64(at: s + 6), let proto = data.be16(at: s + 14)
            else { throw .truncated("sll", field: "sll", need: 16, have: data.count) }
            link.kind = .linuxSLL
            try walkTags(data, type: proto, at: s + 16, into: &link)
            link.sllPacketTypeValue = pkt
            link.sllHardwareTypeValue = hw
            link.sllAddressLengthValue = Int(min(alen, 8))
            link.sllAddressValue = addr
            link.fields.formUnion(.sll)
        case 276:  // LinkType.linuxSLL2
            // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html: 20 bytes.
            guard let proto = data.be16(at: s), let ifindex = data.be32(at: s + 4), let hw = data.be16(at: s + 8),
                let pkt = data.u8(at: s + 10), let alen = data.u8(at: s + 11), let addr = data.be64(at: s + 12)
            else { throw .truncated("sll2", field: "sll2", need: 20, have: data.count) }
            link.kind = .linuxSLL2
            try walkTags(data, type: proto, at: s + 20, into: &link)
            link.sllPacketTypeValue = UInt16(pkt)
            link.sllHardwareTypeValue = hw
            link.sllAddressLengthValue = Int(min(alen, 8))
            link.sllAddressValue = addr
            link.sllInterfaceIndexValue = ifindex
            link.fields.formUnion([.sll, .sllInterfaceIndex])
        case 101:  // LinkType.raw
            // LINKTYPE_RAW: the IP version is the first nibble.
            guard let b = data.u8(at: s) else { throw .truncated("raw", field: "ip.version", need: 1, have: 0) }
            link.kind = .rawIP
            link.payloadOffset = s
            switch b >> 4 {
            case 4: link.payload = .ipv4
            case 6: link.payload = .ipv6
            default:
                throw ParseError(code: "raw.version", field: "ip.version", "raw IP frame with IP version \(b >> 4)")
            }
        case 228:  // LinkType.ipv4
            link.kind = .rawIP
            link.payload = .ipv4
            link.payloadOffset = s
        case 229:  // LinkType.ipv6
            link.kind = .rawIP
            link.payload = .ipv6
            link.payloadOffset = s
        case 0:  // LinkType.null
            // The family is in the capturing host's byte order, which the file does not say: try both.
            // AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD) or 30 (Darwin).
            guard let le = data.le32(at: s), let be = data.be32(at: s)
            else { throw .truncated("null", field: "null.family", need: 4, have: data.count) }
            let family = familyPayload(le) != nil ? le : be
            link.kind = .bsdNull
            link.payload = familyPayload(family) ?? .other(family)
            link.payloadOffset = s + 4
            link.addressFamilyValue = family
            link.fields.insert(.addressFamily)
        case 108:  // LinkType.loop
            // LINKTYPE_LOOP: the same family field, always in network byte order.
            guard let family = data.be32(at: s)
            else { throw .truncated("loop", field: "loop.family", need: 4, have: data.count) }
            link.kind = .bsdLoop
            link.payload = familyPayload(family) ?? .other(family)
            link.payloadOffset = s + 4
            link.addressFamilyValue = family
            link.fields.insert(.addressFamily)
        default:
            throw ParseError(
                code: "link.unsupported", field: "frame.linktype", "link type \(linkType) is not decoded")
        }
    }

    private static func familyPayload(_ f: UInt32) -> Payload? {
        switch f {
        case 2: .ipv4
        case 24, 28, 30: .ipv6
        default: nil
        }
    }

    /// Walks VLAN tags (IEEE 802.1Q/802.1ad) starting with `type` at `offset`, then sets the EtherType,
    /// the payload and its offset in `link`.
    @inline(__always)
    private static func walkTags(_ data: ByteView, type: UInt16, at offset: Int, into link: inout LinkLayer)
        throws(ParseError)
    {
        var type = type
        var offset = offset
        // IPv4 first: the common frame carries no tag, and one comparison settles it.
        while type != etherTypeIPv4, isVLANTag(type) {
            guard link.vlans.count < VLANTags.limit else {
                throw ParseError(
                    code: "vlan.depth", field: "vlan",
                    "more than \(VLANTags.limit) stacked VLAN tags")
            }
            guard let tci = data.be16(at: offset), let next = data.be16(at: offset + 2)
            else { throw .truncated("vlan", field: "vlan", need: offset + 4 - data.startIndex, have: data.count) }
            link.vlans.append(tpid: type, tci: tci)
            type = next
            offset += 4
        }
        link.payload =
            switch type {
            case etherTypeIPv4: .ipv4
            case etherTypeIPv6: .ipv6
            default: .other(UInt32(type))
            }
        link.payloadOffset = offset
        link.etherTypeValue = type
        link.fields.insert(.etherType)
    }
}
