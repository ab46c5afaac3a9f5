import Capture
import Datagrams

/// The decrypt pass's look-behind buffer: frames held back, in capture order, while the media packet at
/// their head waits for a key the signalling has not brought yet (media before its answer, a flow bound
/// by trial only once a later SDP offers the key). Every frame after a held one is held too, so that the
/// output keeps the input's order exactly.
///
/// Bounded by frames and by captured bytes (`DecryptPipeline.Options.holdFrames`, `holdBytes`): when
/// either is exceeded the oldest frame is decided with the keys known then. The frames' byte arrays are
/// recycled, so that holding costs no allocation once warm.
struct HeldFrames {
    struct Held {
        var frame: Frame
        var decoded: DecodedFrame
        /// The BPF filter kept the frame (only those are analysed).
        var selected: Bool
    }

    let maxFrames: Int
    let maxBytes: Int
    private var items: [Held] = []
    private var head = 0
    private(set) var bytes = 0
    /// Byte arrays of released frames, given back to the reader.
    private var spare: [[UInt8]] = []

    init(maxFrames: Int, maxBytes: Int) {
        self.maxFrames = max(1, maxFrames)
        self.maxBytes = max(1, maxBytes)
    }

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }
    var isOverLimit: Bool { count > maxFrames || bytes > maxBytes }
    var first: Held? { head < items.count ? items[head] : nil }
    /// Every frame held, oldest first.
    var all: ArraySlice<Held> { items[head...] }

    /// Takes `frame` (its bytes move into the buffer; the caller's frame gets a recycled array for the
    /// reader to fill) and a copy of its decoding.
    mutating func append(taking frame: inout Frame, decoded: DecodedFrame, selected: Bool) {
        let held = frame
        frame.data = spare.popLast() ?? []
        bytes += held.data.count
        items.append(Held(frame: held, decoded: decoded, selected: selected))
    }

    /// Drops the oldest frame (after it was written) and recycles its bytes.
    mutating func removeFirst() {
        guard head < items.count else { return }
        var data = items[head].frame.data
        items[head].frame.data = []
        items[head].decoded = DecodedFrame(frameNumber: 0)
        bytes -= data.count
        head += 1
        if spare.count < 64 {
            data.removeAll(keepingCapacity: true)
            spare.append(data)
        }
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}
