/// Reads pcapng files with a block reader of our own (draft-ietf-opsawg-pcapng).
///
/// libpcap 1.10 cannot be used here: it gives up on a file whose interfaces differ in link type
/// ("an interface has a type 101 different from the type of the first interface"). This reader
/// handles sections in either byte order, any number of interfaces each with its own link type,
/// `if_tsresol` and `if_tsoffset`, Enhanced, Simple and (obsolete) Packet Blocks, and keeps every
/// other block so a writer can copy it through.
///
/// A block whose length is wrong (too short, not a multiple of 4, past the end of the file, or
/// differing from its trailing copy) leaves no certain way to find the next block. Wireshark stops
/// there; this reader reports it and looks further on, 4 bytes at a time, for a block whose type is
/// one it knows and whose leading and trailing lengths agree, and goes on from there (issue 7: the
/// rest of a damaged file is still read). With no such block the reading stops.
final class PcapngFileReader {
    enum BlockType {
        static let sectionHeader: UInt32 = 0x0A0D_0D0A
        static let interfaceDescription: UInt32 = 1
        static let packet: UInt32 = 2  // obsolete, §A
        static let simplePacket: UInt32 = 3
        static let enhancedPacket: UInt32 = 6
    }

    private let input: BufferedFileInput
    private(set) var interfaces: [CaptureInterface] = []
    /// What the per-packet path needs of each interface, without the strings (no retain/release per frame).
    private struct PacketInterface {
        var linkType: LinkType
        var snapLength: UInt32
        var clock: PacketClock
    }
    private var packetInterfaces: [PacketInterface] = []
    /// Global interface indices of the current section's interfaces (pcapng numbers them per section).
    private var sectionInterfaces: [Int] = []
    private var bigEndian = false
    /// Section Header Blocks read whole: none by the end means the file's header itself was cut (or
    /// broken), which the run reports as an unreadable input.
    private(set) var sectionsRead = 0
    private(set) var sectionCount = 0
    private var frameNumber = 0
    private var finished = false
    var diagnostics: [Diagnostic] = []
    var otherBlocks: [PcapngBlock] = []
    private var keptBlockBytes = 0
    /// Bound on the bytes of other blocks held between two `takeOtherBlocks` calls.
    private let keptBlockLimit = 16 << 20

    init(path: String) throws(CaptureError) {
        guard let input = BufferedFileInput(path: path) else {
            throw CaptureError(.cannotOpen, path: path, "cannot open for reading")
        }
        self.input = input
    }

    private func stop(_ code: String, field: String, _ message: String) {
        diagnostics.append(Diagnostic(.error, code: code, frame: frameNumber + 1, field: field, message))
        finished = true
    }

    /// After a block with a wrong length: skips ahead to the next plausible block of the section (a
    /// packet or interface block whose two length fields agree and fit the file), reporting the damage
    /// and how many bytes were skipped; stops the reading when there is none.
    private func resynchronise(_ problem: String) {
        let from = input.offset
        while true {
            input.consume(4)
            guard input.fill(8) else {
                stop("pcapng.bad-block-length", field: "pcapng.block_length",
                     problem + "; no further block found, reading stops here")
                return
            }
            let head = ByteReader(bytes: input.window(8), bigEndian: bigEndian)
            let type = head.u32(0) ?? 0
            let length = Int(head.u32(4) ?? 0)
            guard [BlockType.interfaceDescription, BlockType.packet, BlockType.simplePacket, BlockType.enhancedPacket]
                .contains(type), length >= 12, length % 4 == 0, length <= input.limit, input.fill(length)
            else { continue }
            let block = ByteReader(bytes: input.window(length), bigEndian: bigEndian)
            guard Int(block.u32(length - 4) ?? 0) == length else { continue }
            diagnostics.append(
                Diagnostic(
                    .error, code: "pcapng.bad-block-length", frame: frameNumber + 1, field: "pcapng.block_length",
                    problem + "; \(input.offset - from) bytes skipped, reading resumes at file offset \(input.offset)"))
            return
        }
    }

    func next(into frame: inout Frame) -> Bool {
        while !finished {
            // Fast path: an Enhanced Packet Block wholly in the buffer (nearly every block of a big
            // file), checked exactly as the general path below checks it, with fewer trips to `input`.
            let view = ByteReader(bytes: input.unconsumed, bigEndian: bigEndian)
            if view.u32(0) == BlockType.enhancedPacket, let l = view.u32(4), case let length = Int(l),
               length >= 12, length % 4 == 0, length <= view.count, view.u32(length - 4) == l,
               let bodyBytes = view.slice(8, length - 12) {
                let body = ByteReader(bytes: bodyBytes, bigEndian: bigEndian)
                let delivered = packet(body, interfaceID: body.u32(0).map(Int.init), into: &frame)
                input.consume(length)
                if delivered { return true }
                continue
            }
            let blockOffset = input.offset
            guard input.fill(8) else {
                if input.available > 0 {
                    stop("pcapng.truncated-block", field: "pcapng.block",
                         "file ends \(input.available) bytes into a block header at file offset \(blockOffset)")
                }
                finished = true
                return false
            }
            var head = ByteReader(bytes: input.window(8), bigEndian: bigEndian)
            let type = head.u32(0) ?? 0
            if type == BlockType.sectionHeader {
                // The byte-order magic decides how to read everything in the section, its own length included.
                guard input.fill(12) else {
                    stop("pcapng.truncated-block", field: "pcapng.shb",
                         "file ends inside the section header block at file offset \(blockOffset)")
                    return false
                }
                let magic = ByteReader(bytes: input.window(12), bigEndian: false).u32(8) ?? 0
                switch magic {
                case 0x1A2B_3C4D: bigEndian = false
                case 0x4D3C_2B1A: bigEndian = true
                default:
                    stop("pcapng.bad-byte-order-magic", field: "pcapng.shb.magic",
                         "section header block at file offset \(blockOffset) has byte-order magic 0x\(hex(magic))")
                    return false
                }
                head = ByteReader(bytes: input.window(8), bigEndian: bigEndian)
            }
            let length = Int(head.u32(4) ?? 0)
            let minimum = type == BlockType.sectionHeader ? 28 : 12
            guard length >= minimum, length % 4 == 0 else {
                resynchronise(
                    "block of type 0x\(hex(type)) at file offset \(blockOffset) has length \(length)"
                        + (length < minimum ? " (shorter than \(minimum))" : " (not a multiple of 4)"))
                continue
            }
            guard input.fill(length) else {
                let why = length > input.limit ? "larger than the \(input.limit)-byte limit" : "past the end of the file"
                resynchronise("block of type 0x\(hex(type)) at file offset \(blockOffset) has length \(length), \(why)")
                continue
            }
            let block = ByteReader(bytes: input.window(length), bigEndian: bigEndian)
            let trailing = Int(block.u32(length - 4) ?? 0)
            guard trailing == length, let bodyBytes = block.slice(8, length - 12) else {
                resynchronise(
                    "block of type 0x\(hex(type)) at file offset \(blockOffset) has length \(length) but trailing length \(trailing)")
                continue
            }
            let body = ByteReader(bytes: bodyBytes, bigEndian: bigEndian)
            var delivered = false
            switch type {
            case BlockType.sectionHeader:
                startSection(body)
                sectionsRead += 1
            case BlockType.interfaceDescription:
                addInterface(body)
            case BlockType.enhancedPacket:
                delivered = packet(body, interfaceID: body.u32(0).map(Int.init), into: &frame)
            case BlockType.packet:
                delivered = packet(body, interfaceID: body.u16(0).map(Int.init), into: &frame)
            case BlockType.simplePacket:
                delivered = simplePacket(body, into: &frame)
            default:
                keep(type: type, body: bodyBytes)
            }
            input.consume(length)
            if finished { return false }
            if delivered { return true }
        }
        return false
    }

    private func startSection(_ body: ByteReader) {
        let offset = input.offset
        let major = body.u16(4) ?? 0
        guard major == 1 else {
            stop("pcapng.unsupported-version", field: "pcapng.shb.version",
                 "section header block at file offset \(offset) has major version \(major); only 1 is defined")
            return
        }
        sectionCount += 1
        sectionInterfaces.removeAll()
    }

    private func addInterface(_ body: ByteReader) {
        let offset = input.offset
        guard let linkType = body.u16(0), let snapLength = body.u32(4) else {
            diagnostics.append(Diagnostic(.error, code: "pcapng.malformed-block", frame: frameNumber + 1, field: "pcapng.idb",
                                          "interface description block at file offset \(offset) is too short"))
            return
        }
        var interface = CaptureInterface(linkType: LinkType(rawValue: UInt32(linkType)), snapLength: snapLength)
        forEachOption(body, from: 8) { code, value in
            switch code {
            case 2: interface.name = String(decoding: value, as: UTF8.self)
            case 3: interface.interfaceDescription = String(decoding: value, as: UTF8.self)
            case 9:
                guard let raw = value.first else { return }
                let resolution = TimestampResolution(rawValue: raw)
                if resolution.isSupported {
                    interface.timestampResolution = resolution
                } else {
                    diagnostics.append(Diagnostic(.warning, code: "pcapng.bad-tsresol", frame: frameNumber + 1, field: "pcapng.idb.if_tsresol",
                                                  "interface description block at file offset \(offset): if_tsresol \(resolution) is out of range; using 10^-6 s"))
                }
            case 14:
                let option = ByteReader(bytes: value, bigEndian: body.bigEndian)
                if let v = option.u64(0) { interface.timestampOffset = Int64(bitPattern: v) }
            default: break
            }
        }
        sectionInterfaces.append(interfaces.count)
        interfaces.append(interface)
        packetInterfaces.append(PacketInterface(
            linkType: interface.linkType, snapLength: interface.snapLength,
            clock: PacketClock(interface.timestampResolution, offset: interface.timestampOffset)))
    }

    /// Calls `body` for each option (code, value) of an options list, stopping at opt_endofopt or at
    /// the first option that would run past the block (reported).
    private func forEachOption(_ block: ByteReader, from start: Int, _ handle: (UInt16, UnsafeRawBufferPointer) -> Void) {
        let offset = input.offset
        var at = start
        while at < block.count {
            guard let code = block.u16(at), let length = block.u16(at + 2) else { break }
            if code == 0 { return }
            guard let value = block.slice(at + 4, Int(length)) else {
                diagnostics.append(Diagnostic(.warning, code: "pcapng.bad-option", frame: frameNumber + 1, field: "pcapng.option",
                                              "option \(code) of the block at file offset \(offset) runs past the block"))
                return
            }
            handle(code, value)
            at += 4 + (Int(length) + 3) & ~3
        }
    }

    private func sectionInterface(_ id: Int?) -> Int? {
        guard let id, id >= 0, id < sectionInterfaces.count else {
            diagnostics.append(Diagnostic(.error, code: "pcapng.unknown-interface", frame: frameNumber + 1, field: "pcapng.interface_id",
                                          "packet block at file offset \(input.offset) names interface \(id.map(String.init) ?? "?") but the section has \(sectionInterfaces.count); skipped"))
            return nil
        }
        return sectionInterfaces[id]
    }

    /// Enhanced Packet Block (§4.3) or obsolete Packet Block (Appendix A): same layout after the interface id.
    private func packet(_ body: ByteReader, interfaceID: Int?, into frame: inout Frame) -> Bool {
        guard let high = body.u32(4), let low = body.u32(8), let capturedLength = body.u32(12), let originalLength = body.u32(16) else {
            diagnostics.append(Diagnostic(.error, code: "pcapng.malformed-block", frame: frameNumber + 1, field: "pcapng.epb",
                                          "packet block at file offset \(input.offset) is too short (\(body.count) body bytes)"))
            return false
        }
        guard let global = sectionInterface(interfaceID) else { return false }
        let interface = packetInterfaces[global]
        frameNumber += 1
        var count = Int(capturedLength)
        if count > body.count - 20 {
            diagnostics.append(Diagnostic(.error, code: "pcapng.caplen-exceeds-block", frame: frameNumber, field: "frame.cap_len",
                                          "captured length \(count) exceeds the \(body.count - 20) bytes the block at file offset \(input.offset) holds"))
            count = body.count - 20
        }
        frame.number = frameNumber
        frame.timestamp = interface.clock.timestamp(units: UInt64(high) << 32 | UInt64(low))
        frame.originalLength = Int(originalLength)
        frame.linkType = interface.linkType
        frame.interfaceID = global
        if let base = body.slice(20, count)?.baseAddress {
            frame.replaceData(with: base, count: count)
        } else {
            frame.data.removeAll(keepingCapacity: true)
        }
        if FrameChecks.isSuspect(capturedLength: Int(capturedLength), originalLength: Int(originalLength), snapLength: interface.snapLength) {
            FrameChecks.report(number: frameNumber, capturedLength: Int(capturedLength), originalLength: Int(originalLength), snapLength: interface.snapLength, into: &diagnostics)
        }
        return true
    }

    /// Simple Packet Block (§4.4): interface 0 of the section, no timestamp, captured length implied
    /// by the original length and the snap length.
    private func simplePacket(_ body: ByteReader, into frame: inout Frame) -> Bool {
        guard let originalLength = body.u32(0) else {
            diagnostics.append(Diagnostic(.error, code: "pcapng.malformed-block", frame: frameNumber + 1, field: "pcapng.spb",
                                          "simple packet block at file offset \(input.offset) is too short"))
            return false
        }
        guard let global = sectionInterface(0) else { return false }
        let interface = packetInterfaces[global]
        frameNumber += 1
        var count = min(Int(originalLength), body.count - 4)
        if interface.snapLength != 0 { count = min(count, Int(interface.snapLength)) }
        frame.number = frameNumber
        frame.timestamp = Timestamp(seconds: 0, nanoseconds: 0)
        frame.originalLength = Int(originalLength)
        frame.linkType = interface.linkType
        frame.interfaceID = global
        if let base = body.slice(4, count)?.baseAddress {
            frame.replaceData(with: base, count: count)
        } else {
            frame.data.removeAll(keepingCapacity: true)
        }
        if FrameChecks.isSuspect(capturedLength: count, originalLength: Int(originalLength), snapLength: interface.snapLength) {
            FrameChecks.report(number: frameNumber, capturedLength: count, originalLength: Int(originalLength), snapLength: interface.snapLength, into: &diagnostics)
        }
        return true
    }

    private func keep(type: UInt32, body: UnsafeRawBufferPointer) {
        guard keptBlockBytes + body.count <= keptBlockLimit else {
            diagnostics.append(Diagnostic(.note, code: "pcapng.block-not-kept", frame: frameNumber + 1, field: "pcapng.block",
                                          "block of type 0x\(hex(type)) (\(body.count) bytes) skipped and not kept: over the \(keptBlockLimit)-byte limit"))
            return
        }
        keptBlockBytes += body.count
        otherBlocks.append(PcapngBlock(type: type, body: Array(body), bigEndian: bigEndian,
                                       framesBefore: frameNumber, section: sectionCount - 1))
    }

    func takeOtherBlocks() -> [PcapngBlock] {
        defer {
            otherBlocks.removeAll()
            keptBlockBytes = 0
        }
        return otherBlocks
    }
}

func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}
