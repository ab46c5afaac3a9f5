import Analysis
import Capture
import Datagrams
import Output

/// Decides a complete fragment train (`FragmentTrains`): checks that its fragments tile the datagram
/// cleanly, frames the datagram as one unfragmented IP packet (the first fragment's IP header, flags and
/// offset cleared, lengths and checksum set) and decodes it, so that the decrypt engine and
/// `DecryptedFrameRewriter` see it exactly as a datagram that was never fragmented — the same locating
/// (TURN ChannelData and Send/Data indications included), stream accounting, ROC, diagnosis and report —
/// then builds the plaintext datagram its fragments are cut from (`Output.FragmentRewriter`).
///
/// The engine sees the datagram where its train's first frame stands in the capture (the frames between
/// its fragments are decided after it), with the number and time of the frame that completed it, which is
/// where the decoder and Wireshark place it.
///
/// A `final class` for the state it reuses between trains: a decoder of its own (for the rebuilt packets
/// only) and the buffers.
final class FragmentedMediaDecision {
    /// How a train's members are written.
    struct Outcome {
        /// The IP payload to cut the fragments from (UDP header, plaintext, zeros to the last fragment's
        /// offset); nil: the fragments are written unchanged.
        var datagram: [UInt8]?
        /// The engine's verdict, for the completing frame's record.
        var status: DecryptEngine.Status = .notMedia
        var ssrc: UInt32?
    }

    /// What to do with a member at the head of the look-behind buffer.
    enum Step {
        /// Its train is not complete (or the engine waits for keys): keep holding.
        case wait
        /// Its train was let go: decide it as any other frame.
        case ordinary
        /// Write it: `rewritten` says whether the frame to write is the one built into `out`.
        case write(rewritten: Bool, status: DecryptEngine.Status, ssrc: UInt32?)
    }

    private let decoder: FrameDecoder
    private var packet = Frame(linkType: .raw)
    private var decoded = DecodedFrame(frameNumber: 0)
    private var rewritten = Frame()

    init(decoderOptions: FrameDecoder.Options) {
        decoder = FrameDecoder(options: decoderOptions)
    }

    /// The step for `frame`, a member of a train in `trains`, at the head of the buffer. With `force` (the
    /// buffer is full, or the capture ended) an incomplete train is let go and the engine may not wait.
    /// A rewritten member is built into `out`; problems go to `diagnostics`.
    func step(
        _ frame: Frame, _ held: DecodedFrame, trains: inout FragmentTrains, force: Bool, engine: DecryptEngine,
        into out: inout Frame, diagnostics: inout [Diagnostic]
    ) -> Step {
        guard let (key, train) = trains.train(of: frame.number) else { return .ordinary }
        let outcome: Outcome
        if let o = train.decision {
            outcome = o
        } else if train.datagram == nil {
            guard force else { return .wait }
            trains.letGo(key)
            return .ordinary
        } else {
            guard let o = decide(train, engine: engine, mayHold: !force, diagnostics: &diagnostics) else {
                return .wait
            }
            trains.decide(key, o)
            outcome = o
        }
        trains.written(frame.number)
        let status = frame.number == train.completingFrame ? outcome.status : .notMedia
        let ssrc = frame.number == train.completingFrame ? outcome.ssrc : nil
        guard let datagram = outcome.datagram else { return .write(rewritten: false, status: status, ssrc: ssrc) }
        guard FragmentRewriter.rewrite(frame, held, datagram: datagram, into: &out) else {
            diagnostics.append(
                Diagnostic(
                    .warning, code: "decrypt.rewrite", frame: frame.number, field: "IP fragments",
                    "could not fix this fragment's IP header around the plaintext; frame written unchanged"))
            return .write(rewritten: false, status: status, ssrc: ssrc)
        }
        return .write(rewritten: true, status: status, ssrc: ssrc)
    }

    /// Gives a complete train's datagram to the engine; nil when the engine waits for keys (`mayHold`).
    func decide(_ train: FragmentTrains.Train, engine: DecryptEngine, mayHold: Bool, diagnostics: inout [Diagnostic])
        -> Outcome?
    {
        guard let r = train.datagram else { return Outcome() }
        let frames = r.frames.map(String.init).joined(separator: ", ")
        func unchanged(_ why: String) -> Outcome {
            diagnostics.append(
                Diagnostic(
                    .warning, code: "decrypt.fragmented-media", frame: train.completingFrame, field: "IP fragments",
                    "datagram \(r.key.source) → \(r.key.destination) id \(r.key.identification) reassembled from the IP fragments in frames \(frames): \(why); not decrypted, its fragments are written unchanged"
                ))
            return Outcome()
        }
        if let why = Self.unfit(train, r) { return unchanged(why) }
        guard frameAsPacket(train, r) else { return unchanged("it cannot be framed as one IP packet") }
        guard decoded.udp != nil, decoded.payloadSource == .frame else { return Outcome() }
        guard let result = engine.process(packet, decoded, mayHold: mayHold) else { return nil }
        var outcome = Outcome(status: result.status, ssrc: engine.stream(of: result)?.ssrc)
        guard result.status == .authenticated || result.status == .replayed else { return outcome }
        if case .tcpFramed = result.encapsulation { return outcome }
        guard
            DecryptedFrameRewriter.rewrite(
                packet, decoded, packetRange: result.range, channelDataOffset: result.channelDataOffset,
                stunOffset: result.stunOffset, stunDataAttributeOffset: result.stunDataAttributeOffset,
                plaintext: engine.plaintext(result), into: &rewritten),
            rewritten.data.count >= train.ipHeader.count
        else {
            diagnostics.append(
                Diagnostic(
                    .warning, code: "decrypt.rewrite", frame: train.completingFrame, field: "IP fragments",
                    "could not fix the lengths around the plaintext of the datagram reassembled from frames \(frames); its fragments are written unchanged"
                ))
            return outcome
        }
        var datagram = Array(rewritten.data[train.ipHeader.count...])
        datagram += repeatElement(0, count: Self.padding(plaintextEnd: datagram.count, train))
        outcome.datagram = datagram
        return outcome
    }

    /// Zero bytes to add after the plaintext datagram (past the UDP length, which says where it ends,
    /// RFC 768) so that the fragments still tile it. The plaintext is shorter than the ciphertext (tag,
    /// MKI, SRTCP index gone), so the last fragment shrinks; when it would be left with no byte at all —
    /// it held only tag bytes, or the plaintext ends before its offset — it keeps its length instead,
    /// zeros. Every fragment keeps its offset and every other fragment its length (RFC 791 §3.2: all but
    /// the last carry multiples of 8 bytes). A zero-length fragment would be valid, but Wireshark does not
    /// reassemble a train holding one (it takes only fragments with data: tshark 4.0 shows no RTP then).
    static func padding(plaintextEnd: Int, _ train: FragmentTrains.Train) -> Int {
        guard let last = train.members.filter({ !$0.more }).max(by: { $0.offset < $1.offset }),
            plaintextEnd <= last.offset
        else { return 0 }
        return last.offset + last.length - plaintextEnd
    }

    /// Why a complete train is not taken, nil when it is clean: the decoder reported fragments that
    /// disagree, a fragment it used was not held, or the fragments do not tile the datagram end to end
    /// (overlaps; a fragment repeated whole, same offset, length and bytes, is fine).
    static func unfit(_ train: FragmentTrains.Train, _ r: ReassembledDatagram) -> String? {
        if train.conflict { return "its fragments disagree (overlapping bytes that differ, or different ends)" }
        if train.media != true { return "its first fragment was not seen as media" }
        if Set(train.members.map(\.frame)) != Set(r.frames) { return "not all of its fragments were held" }
        let sorted = train.members.sorted { ($0.offset, $0.length) < ($1.offset, $1.length) }
        var end = 0
        var previous: FragmentTrains.Member?
        for m in sorted {
            if let p = previous, p.offset == m.offset, p.length == m.length, p.more == m.more { continue }
            if m.offset < end { return "its fragments overlap (bytes \(m.offset)..<\(m.offset + m.length))" }
            if m.offset > end { return "its fragments leave a gap at byte \(end)" }
            end = m.offset + m.length
            if m.more == (end >= r.bytes.count) { return "its More Fragments flags do not match the datagram's end" }
            previous = m
        }
        if end != r.bytes.count { return "its fragments do not end where the datagram does" }
        return nil
    }

    /// Builds in `packet` the datagram as one unfragmented IP packet, decoded into `decoded`.
    private func frameAsPacket(_ train: FragmentTrains.Train, _ r: ReassembledDatagram) -> Bool {
        var header = train.ipHeader
        guard let first = header.first else { return false }
        if first >> 4 == 4 {
            let total = header.count + r.bytes.count
            guard header.count >= 20, total <= 65_535 else { return false }
            put16(total, &header, 2)
            header[6] = 0  // flags and fragment offset: one whole datagram (RFC 791 §3.1)
            header[7] = 0
            put16(0, &header, 10)
            let sum = header.withUnsafeBytes { InternetChecksum.sum($0) }
            put16(Int(InternetChecksum.finish(sum)), &header, 10)
        } else {
            guard header.count == 40, r.bytes.count <= 65_535 else { return false }
            put16(r.bytes.count, &header, 4)
            // The fragmentable part, with any extension headers it starts with (RFC 8200 §4.5).
            header[6] = r.protocolNumber
        }
        packet.number = train.completingFrame
        packet.timestamp = train.completingTime
        packet.linkType = .raw
        packet.interfaceID = 0
        packet.data.removeAll(keepingCapacity: true)
        packet.data.append(contentsOf: header)
        packet.data.append(contentsOf: r.bytes)
        packet.originalLength = packet.data.count
        decoder.decode(packet, into: &decoded)
        return true
    }

    private func put16(_ v: Int, _ bytes: inout [UInt8], _ i: Int) {
        bytes[i] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[i + 1] = UInt8(truncatingIfNeeded: v)
    }
}
