import Capture
import Datagrams

/// `dissect` with keys, for a UDP datagram rebuilt from IP fragments: the datagram framed as one
/// unfragmented raw IP packet — numbered and timed as the frame that completed it — and decoded, so that
/// the decrypt engine places and opens it like any other packet. (`decrypt` does the same with the
/// fragments' own IP header, `FragmentedMediaDecision`, since it writes the plaintext back into them;
/// `dissect` writes nothing, so a plain header with the datagram's addresses does.)
struct ReassembledMediaPacket {
    private let decoder: FrameDecoder
    /// The packet built by the last successful `build`, and its decoding.
    private(set) var frame = Frame()
    private(set) var decoded = DecodedFrame(frameNumber: 0)

    init(decoderOptions: FrameDecoder.Options) {
        decoder = FrameDecoder(options: decoderOptions)
    }

    /// Builds the packet for the UDP datagram `completed` reassembled in `original`; false when that frame
    /// completed no UDP datagram (or one too large to stand as one IP packet).
    mutating func build(from original: Frame, _ completed: DecodedFrame) -> Bool {
        guard completed.payloadSource == .reassembled, completed.udp != nil, let r = completed.reassembled,
            r.protocolNumber == 17
        else { return false }
        let source = r.key.source
        let destination = r.key.destination
        var header: [UInt8]
        switch source.family {
        case .v4:
            let total = 20 + r.bytes.count
            guard total <= 0xFFFF else { return false }
            // RFC 791 §3.1: version 4, IHL 5, no fragmentation, TTL 64, UDP.
            header = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0, 0, 64, 17, 0, 0]
            header += source.bytes + destination.bytes
            let sum = header.withUnsafeBytes { InternetChecksum.sum($0) }
            let checksum = InternetChecksum.finish(sum)
            header[10] = UInt8(checksum >> 8)
            header[11] = UInt8(checksum & 0xFF)
        case .v6:
            guard r.bytes.count <= 0xFFFF else { return false }
            // RFC 8200 §3: payload length, next header UDP, hop limit 64.
            header = [0x60, 0, 0, 0, UInt8(r.bytes.count >> 8), UInt8(r.bytes.count & 0xFF), 17, 64]
            header += source.bytes + destination.bytes
        }
        frame.number = original.number
        frame.timestamp = original.timestamp
        frame.linkType = .raw
        frame.interfaceID = 0
        frame.data.removeAll(keepingCapacity: true)
        frame.data.append(contentsOf: header)
        frame.data.append(contentsOf: r.bytes)
        frame.originalLength = frame.data.count
        decoder.decode(frame, into: &decoded)
        return decoded.udp != nil && decoded.payloadSource == .frame
    }
}
