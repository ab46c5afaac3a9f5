// A plain loop for `perf record`: FrameDecoder over the frames of a capture, in memory, repeated.
// The benchmark harness runs its own threads and setup; this leaves only the decoder in the profile.
//
//   python3 make-rtp-capture.py /tmp/rtp.pcap 1000
//   swift build -c release --product classify-loop
//   perf record -g .build/release/classify-loop /tmp/rtp.pcap 20000
import Foundation
import SRTPDump

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: classify-loop CAPTURE [PASSES]")
    exit(2)
}
let passes = arguments.count > 2 ? Int(arguments[2]) ?? 1000 : 1000
var frames: [Frame] = []
do {
    let reader = try CaptureReader(path: arguments[1])
    var frame = Frame()
    while reader.next(into: &frame) { frames.append(frame) }
} catch {
    print("classify-loop: \(error)")
    exit(2)
}
/// In a function, not top-level code: top-level variables are globals, and an inout global costs
/// exclusivity checks and copies that the real callers (locals) do not pay.
func run(_ input: [Frame], passes: Int) -> (frames: Int, rtp: Int, ns: Double, cpuNs: Double) {
    let decoder = FrameDecoder()
    var out = DecodedFrame(frameNumber: 0)
    var rtp = 0
    let cpu0 = cpuNanoseconds()
    let start = ContinuousClock.now
    var frames = input
    var frame = Frame()
    for _ in 0..<passes {
        // Each frame is swapped into `frame` and back (moves, no retain): `for f in frames` or
        // `frames[i]` copies the Frame (a retain and a release of its bytes, ~20 % of the loop's
        // samples), a cost the pipelines, which read into one reused Frame, do not have.
        for i in frames.indices {
            swap(&frame, &frames[i])
            decoder.decode(frame, into: &out)
            swap(&frame, &frames[i])
            if out.classification.kind == .rtp { rtp &+= 1 }
        }
    }
    let elapsed = ContinuousClock.now - start
    let cpu = cpuNanoseconds() - cpu0
    let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return (passes * input.count, rtp, ns, cpu)
}

/// This process's CPU time: on a shared machine, wall time counts the other processes' turns too.
func cpuNanoseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
}

let r = run(frames, passes: passes)
print(
    "\(r.frames) frames, \(r.rtp) RTP, \(String(format: "%.1f", r.ns / Double(r.frames))) ns/frame wall, "
        + "\(String(format: "%.1f", r.cpuNs / Double(r.frames))) ns/frame CPU")
