// Fuzz target: TCP stream reassembly (holes, overlaps, retransmissions with different data, SYN
// reuse, RST, FIN, the buffering limits) and SIP framing of the delivered bytes.
//
// Input: a sequence of segments, each `[1 byte: direction and flags][u32 seq][u16 length][data]`.
// Bit 7 of the first byte picks the direction (two flows, one each way); bits 0–5 are TCP flags
// (FIN SYN RST PSH ACK URG). Limits are small so that the eviction and gap-skipping paths are reached.
import Capture
import Datagrams
import FuzzSupport
import Signalling

private let a = Endpoint(IPAddress(v4: 0x0A00_0001), 5060)
private let b = Endpoint(IPAddress(v4: 0x0A00_0002), 5061)
private let flows = [TCPFlowKey(source: a, destination: b), TCPFlowKey(source: b, destination: a)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    var limits = TCPStreamLimits()
    limits.maxBufferedPerDirection = 4096
    limits.maxSegmentsPerDirection = 16
    limits.maxBufferedTotal = 6144
    limits.maxFlows = 2
    limits.retainedDelivered = 512
    var reassembler = TCPStreamReassembler(limits: limits)
    let framers = [SIPStreamFramer(), SIPStreamFramer()]
    var events: [TCPStreamEvent] = []
    var diagnostics: [Diagnostic] = []
    var frame = 0

    func deliver(_ events: [TCPStreamEvent]) {
        for e in events {
            guard case .data(let chunk) = e else { continue }
            let framer = chunk.flow == flows[0] ? framers[0] : framers[1]
            for m in framer.feed(chunk.bytes, frame: chunk.frame) {
                if let msg = m.message { _ = SIPBody.sessionDescriptions(of: msg) }
            }
        }
    }

    while !input.isAtEnd && frame < 256 {
        frame += 1
        let control = input.byte()
        let seq = input.u32()
        let payload = input.chunk()
        events.removeAll(keepingCapacity: true)
        reassembler.add(
            flow: flows[Int(control >> 7)], sequenceNumber: seq, flags: TCPFlags(rawValue: UInt16(control & 0x3F)),
            payload: payload, frame: frame, events: &events, diagnostics: &diagnostics)
        deliver(events)
    }
    events.removeAll()
    reassembler.flush(events: &events, diagnostics: &diagnostics)
    deliver(events)
    for f in framers { _ = f.finish() }
    return 0
}
