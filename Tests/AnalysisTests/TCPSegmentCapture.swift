import Capture
import Synth

/// Writes TCP segments as raw-IP frames for the RTP-over-TCP tests: numbered from 1, 50 frames per second
/// of capture time, each IP packet with the next identification.
final class TCPSegmentCapture {
    let writer: CaptureWriter
    /// Frames written so far (the last one's number).
    private(set) var frames = 0
    private var identification: UInt16 = 1

    init(path: String) throws {
        writer = try CaptureWriter(path: path, format: .pcap, interfaces: [CaptureInterface(linkType: .raw)])
    }

    func send(
        _ from: Synth.Endpoint, _ to: Synth.Endpoint, seq: UInt32, ack: UInt32, flags: Synth.TCPFlags,
        options: [UInt8] = [], _ payload: [UInt8]
    ) throws {
        frames += 1
        identification &+= 1
        let segment = IPPacketBuilder.tcp(
            from: from, to: to, sequence: seq, acknowledgement: ack, flags: flags, options: options, payload: payload)
        let packet = IPPacketBuilder.ip(
            source: from.address, destination: to.address, proto: .tcp, identification: identification,
            payload: segment)
        try writer.write(
            Frame(
                number: frames,
                timestamp: Timestamp(
                    seconds: 1_700_000_000 + Int64(frames / 50), nanoseconds: UInt32(frames % 50) * 20_000_000),
                originalLength: packet.count, linkType: .raw, data: packet))
    }

    func close() throws { try writer.close() }
}
