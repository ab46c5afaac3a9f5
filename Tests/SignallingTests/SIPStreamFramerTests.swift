import Capture
import Testing

@testable import Signalling

@Suite struct SIPStreamFramerTests {
    /// The messages of a TCP stream, each with the bytes that follow it before the next message:
    /// every SIP fixture, CRLF keep-alives (RFC 5626 §3.5.1) after two of them, and a message whose
    /// body contains an empty line (so that only Content-Length can find its end).
    static var pieces: [(message: [UInt8], gap: [UInt8])] {
        let emptyLineBody = Fixtures.wire("line one\n\nline three after an empty line\n")
        let textMessage = Fixtures.message(
            headers:
                "MESSAGE sip:a@example.com SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bKm\nFrom: <sip:b@example.com>;tag=1\nTo: <sip:a@example.com>\nCall-ID: m@h\nCSeq: 5 MESSAGE\nContent-Type: text/plain",
            body: emptyLineBody)
        return [
            (Fixtures.rfc3261Invite, Fixtures.wire("\n\n")), (Fixtures.rfc3261OK, []), (textMessage, []),
            (Fixtures.wire(Fixtures.rfc3261Bye), Fixtures.wire("\n")), (Fixtures.mediasecInvite, []),
            (Fixtures.wire(Fixtures.msSDP488), []), (Fixtures.wire(Fixtures.mediasecOptions), []),
        ]
    }

    static var stream: [UInt8] { pieces.flatMap { $0.message + $0.gap } }

    static var messageBoundaries: [Range<Int>] {
        var ranges: [Range<Int>] = []
        var offset = 0
        for piece in pieces {
            ranges.append(offset..<(offset + piece.message.count))
            offset += piece.message.count + piece.gap.count
        }
        return ranges
    }

    @Test func wholeStreamGivesEachMessage() throws {
        let framer = SIPStreamFramer()
        let out = framer.feed(Self.stream, frame: 1)
        #expect(out.count == 7)
        #expect(out.map(\.bytes) == Self.messageBoundaries.map { Array(Self.stream[$0]) })
        #expect(out.compactMap(\.message?.method) == ["INVITE", "INVITE", "MESSAGE", "BYE", "INVITE", "INVITE", "OPTIONS"])
        #expect(out[2].message?.body == Fixtures.wire("line one\n\nline three after an empty line\n"))
        #expect(out.allSatisfy { $0.diagnostics.isEmpty }, "\(out.flatMap(\.diagnostics))")
        #expect(framer.finish().isEmpty)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func splitAtEveryByteBoundary() {
        let stream = Self.stream
        let boundaries = Self.messageBoundaries
        let reference = boundaries.map { Array(stream[$0]) }
        for cut in 0...stream.count {
            let framer = SIPStreamFramer()
            let out = framer.feed(stream[0..<cut], frame: 1) + framer.feed(stream[cut...], frame: 2)
            guard out.map(\.bytes) == reference else {
                Issue.record("split at \(cut): \(out.count) messages differ from the reference")
                continue
            }
            for (message, range) in zip(out, boundaries) {
                let first = cut > range.lowerBound ? 1 : 2
                let last = cut >= range.upperBound ? 1 : 2
                if message.firstFrame != first || message.lastFrame != last {
                    Issue.record(
                        "split at \(cut): frames \(message.firstFrame)-\(message.lastFrame), expected \(first)-\(last)")
                }
            }
            if !framer.finish().isEmpty { Issue.record("split at \(cut): leftovers") }
        }
    }

    @Test func byteByByteFramesAreExact() {
        let stream = Self.stream
        let framer = SIPStreamFramer()
        var out: [FramedSIPMessage] = []
        for (i, b) in stream.enumerated() { out += framer.feed([b], frame: i) }
        #expect(out.map(\.firstFrame) == Self.messageBoundaries.map(\.lowerBound))
        #expect(out.map(\.lastFrame) == Self.messageBoundaries.map { $0.upperBound - 1 })
    }

    @Test func incompleteMessageIsReportedAtTheEnd() {
        let framer = SIPStreamFramer()
        let invite = Fixtures.rfc3261Invite
        #expect(framer.feed(invite.prefix(invite.count - 10), frame: 3).isEmpty)
        let d = framer.finish()
        #expect(d.map(\.code) == [SignallingCode.streamIncomplete])
        #expect(d.first?.frame == 3)
        let bodyLength = Fixtures.wire(Fixtures.rfc4568Offer).count
        #expect(d.first?.message.contains("has \(bodyLength - 10) of \(bodyLength) body bytes") == true)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func garbageBeforeAMessageIsSkipped() throws {
        let framer = SIPStreamFramer()
        let out = framer.feed(
            Array("tail of an earlier body\r\nmore\r\n".utf8) + Fixtures.wire(Fixtures.rfc3261Bye), frame: 9)
        let m = try #require(out.first)
        #expect(out.count == 1)
        #expect(m.message?.method == "BYE")
        #expect(m.diagnostics.map(\.code) == [SignallingCode.streamGarbage], "two skipped lines, one diagnostic")
        #expect(m.diagnostics.first?.message.hasPrefix("31 bytes") == true)
        #expect(m.diagnostics.allSatisfy { $0.frame == 9 })
    }

    @Test func missingContentLengthOnAStream() throws {
        let text =
            "BYE sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h\nFrom: <sip:c@d>;tag=1\nTo: <sip:a@b>;tag=2\nCall-ID: x\nCSeq: 1 BYE\n\n"
        let framer = SIPStreamFramer()
        let out = framer.feed(Fixtures.wire(text) + Fixtures.wire(Fixtures.rfc3261Bye), frame: 1)
        #expect(out.count == 2, "no Content-Length: no body, and the next message is still found")
        #expect(out.allSatisfy { $0.message?.method == "BYE" })
        #expect(out.first?.diagnostics.map(\.code) == [SignallingCode.sipContentLength])
        #expect(out.last?.diagnostics.isEmpty == true)
    }

    /// A large body arriving one byte per segment: the framer does not rescan the message per chunk
    /// (this would take minutes if it did).
    @Test func largeBodyInTinyChunks() throws {
        let body = [UInt8](repeating: 0x61, count: 20_000)
        let bytes = Fixtures.message(
            headers: "MESSAGE sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h\nFrom: <sip:c@d>;tag=1\nTo: <sip:a@b>\nCall-ID: x\nCSeq: 1 MESSAGE",
            body: body)
        let framer = SIPStreamFramer()
        var out: [FramedSIPMessage] = []
        for (i, b) in bytes.enumerated() { out += framer.feed(CollectionOfOne(b), frame: i + 1) }
        #expect(out.count == 1)
        #expect(out.first?.message?.body == body)
        #expect(out.first?.lastFrame == bytes.count)
    }

    @Test func hugeContentLengthIsNotBuffered() throws {
        let text = Fixtures.wire(
            "MESSAGE sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h\nFrom: <sip:c@d>;tag=1\nTo: <sip:a@b>\nCall-ID: x\nCSeq: 1 MESSAGE\nContent-Length: 999999999\n\n"
        )
        let framer = SIPStreamFramer()
        let out = framer.feed(text + Fixtures.wire(Fixtures.rfc3261Bye), frame: 4)
        #expect(out.count == 2)
        #expect(out.first?.diagnostics.map(\.code).contains(SignallingCode.streamOverflow) == true)
        #expect(out.last?.message?.method == "BYE")
    }

    @Test func endlessHeadersAreBounded() {
        let framer = SIPStreamFramer()
        _ = framer.feed(Array("INVITE sip:a@b SIP/2.0\r\n".utf8), frame: 1)
        let line = Array("X-Filler: 0123456789012345678901234567890123456789\r\n".utf8)
        var frame = 2
        while framer.bufferedByteCount + line.count <= SignallingLimits.maxHeaderSectionSize + line.count {
            _ = framer.feed(line, frame: frame)
            frame += 1
            if frame > 10_000 { break }
        }
        #expect(framer.bufferedByteCount <= SignallingLimits.maxHeaderSectionSize)
        #expect(framer.finish().map(\.code).contains(SignallingCode.streamOverflow))
    }

    /// Feeds `stream` in chunks of `size` bytes, chunk i (from 0) as frame i + 1.
    static func feed(_ stream: [UInt8], inChunksOf size: Int, to framer: SIPStreamFramer) -> [FramedSIPMessage] {
        stride(from: 0, to: stream.count, by: size).enumerated().flatMap { i, start in
            framer.feed(stream[start..<min(start + size, stream.count)], frame: i + 1)
        }
    }

    /// A chunk of 32,768 garbage lines before a message: one diagnostic counting every skipped byte,
    /// and the framer moves fewer bytes than it was fed (it once shifted the rest of the buffer down
    /// per line, ~1 GB for this chunk).
    @Test func manyGarbageLinesInOneChunkAreSkippedInLinearWork() throws {
        let garbage: [UInt8] = (0..<65_536).map { i in i % 2 == 0 ? 0x78 : 0x0A }
        let bye = Fixtures.wire(Fixtures.rfc3261Bye)
        let framer = SIPStreamFramer()
        let out = framer.feed(garbage + bye, frame: 5)
        let m = try #require(out.first)
        #expect(out.count == 1)
        #expect(m.bytes == bye)
        #expect(m.diagnostics.map(\.code) == [SignallingCode.streamGarbage])
        #expect(m.diagnostics.first?.message.hasPrefix("65536 bytes") == true)
        #expect(framer.bytesShifted <= garbage.count + bye.count, "moved \(framer.bytesShifted) bytes")
        #expect(framer.finish().isEmpty)
    }

    /// Thousands of messages in one chunk, then the same stream in 777-byte chunks, each its own
    /// frame: every message comes out whole, with the frames of its first and last bytes, across the
    /// framer's drops of its consumed prefix, and the bytes it moves stay within the bytes fed.
    @Test func manySmallMessagesKeepTheirBytesAndFrames() {
        let pieces = Self.pieces
        var stream: [UInt8] = []
        var boundaries: [Range<Int>] = []
        for _ in 0..<60 {
            for piece in pieces {
                boundaries.append(stream.count..<(stream.count + piece.message.count))
                stream += piece.message + piece.gap
            }
        }
        let reference = boundaries.map { Array(stream[$0]) }

        let whole = SIPStreamFramer()
        let all = whole.feed(stream, frame: 1)
        #expect(all.map(\.bytes) == reference)
        #expect(whole.bytesShifted <= stream.count, "moved \(whole.bytesShifted) bytes for \(stream.count) fed")

        let chunked = SIPStreamFramer()
        let out = Self.feed(stream, inChunksOf: 777, to: chunked)
        #expect(out.map(\.bytes) == reference)
        #expect(out.map(\.firstFrame) == boundaries.map { $0.lowerBound / 777 + 1 })
        #expect(out.map(\.lastFrame) == boundaries.map { ($0.upperBound - 1) / 777 + 1 })
        #expect(out.allSatisfy { $0.diagnostics.isEmpty })
        #expect(chunked.bytesShifted > 0, "the stream is long enough for the framer to drop a consumed prefix")
        #expect(chunked.bytesShifted <= stream.count)
        #expect(chunked.finish().isEmpty)
        #expect(chunked.bufferedByteCount == 0)
    }

    /// Random streams of messages and junk lines, fed in random chunks (a frame each): every message
    /// comes out whole with the frames of its first and last bytes; each run of junk lines gives one
    /// diagnostic, on the next message, counting its bytes and naming the frame of its first byte,
    /// whether the junk can be ruled out unparsed (no space or no slash) or only by the parser. Long
    /// streams make the framer drop its consumed prefix many times in the middle of messages.
    @Test func randomStreamsInRandomChunks() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        let junk = [
            "x", "a b", "a /", "m=audio 49170 RTP/AVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc/def",
            "INVITE sip:a@b HTTP/1.1", "SIP/2.0 999 Too High", "\u{17F}x y/z", String(repeating: "j", count: 3_000),
        ].map { Array($0.utf8) }
        let pieces = Self.pieces
        for round in 0..<25 {
            var stream: [UInt8] = []
            var expected: [(range: Range<Int>, junk: (bytes: Int, start: Int, sample: [UInt8])?)] = []
            var pendingJunk: (bytes: Int, start: Int, sample: [UInt8])?
            for _ in 0..<(40 + next(120)) {
                if next(3) == 0 {
                    let line = junk[next(junk.count)] + (next(2) == 0 ? [0x0D, 0x0A] : [0x0A])
                    let sample = Array(line.prefix { $0 != 0x0D && $0 != 0x0A })
                    if let j = pendingJunk {
                        pendingJunk = (j.bytes + line.count, j.start, j.sample)
                    } else {
                        pendingJunk = (line.count, stream.count, sample)
                    }
                    stream += line
                } else {
                    let piece = pieces[next(pieces.count)]
                    expected.append((stream.count..<(stream.count + piece.message.count), pendingJunk))
                    pendingJunk = nil
                    stream += piece.message + piece.gap
                }
            }
            var cuts: [Int] = [0]
            while cuts.last! < stream.count { cuts.append(min(stream.count, cuts.last! + 1 + next(next(4) == 0 ? 5_000 : 300))) }
            func frame(of offset: Int) -> Int { cuts.lastIndex { $0 <= offset }! + 1 }

            let framer = SIPStreamFramer()
            var out: [FramedSIPMessage] = []
            for i in 0..<(cuts.count - 1) { out += framer.feed(stream[cuts[i]..<cuts[i + 1]], frame: i + 1) }
            let tail = framer.finish()
            try #require(out.count == expected.count, "round \(round): \(out.count) messages, expected \(expected.count)")
            for (m, e) in zip(out, expected) {
                #expect(m.bytes == Array(stream[e.range]), "round \(round)")
                #expect(m.firstFrame == frame(of: e.range.lowerBound), "round \(round)")
                #expect(m.lastFrame == frame(of: e.range.upperBound - 1), "round \(round)")
                if let j = e.junk {
                    #expect(m.diagnostics.map(\.code) == [SignallingCode.streamGarbage], "round \(round)")
                    let d = try #require(m.diagnostics.first)
                    #expect(d.frame == frame(of: j.start), "round \(round)")
                    #expect(d.message.hasPrefix("\(j.bytes) bytes that do not start"), "round \(round): \(d.message)")
                    #expect(d.message.contains(String(decoding: j.sample.prefix(20), as: UTF8.self)), "round \(round)")
                } else {
                    #expect(m.diagnostics.isEmpty, "round \(round): \(m.diagnostics)")
                }
            }
            if let j = pendingJunk {
                #expect(tail.map(\.code) == [SignallingCode.streamGarbage], "round \(round)")
                #expect(tail.first?.message.hasPrefix("\(j.bytes) bytes") == true, "round \(round)")
            } else {
                #expect(tail.isEmpty, "round \(round): \(tail)")
            }
            #expect(framer.bytesShifted <= stream.count, "round \(round)")
        }
    }

    /// After the framer has dropped its consumed prefix, a message cut short is still reported by
    /// `finish()` with the frame of its first byte and the body bytes it has.
    @Test func incompleteMessageAfterManyIsReportedWhole() throws {
        var stream: [UInt8] = []
        for _ in 0..<40 { stream += Self.stream }
        let invite = Fixtures.rfc3261Invite
        let start = stream.count
        stream += invite.prefix(invite.count - 10)
        let framer = SIPStreamFramer()
        let out = Self.feed(stream, inChunksOf: 777, to: framer)
        #expect(out.count == 40 * Self.pieces.count)
        #expect(framer.bytesShifted > 0)
        let d = framer.finish()
        #expect(d.map(\.code) == [SignallingCode.streamIncomplete])
        #expect(d.first?.frame == start / 777 + 1)
        let bodyLength = Fixtures.wire(Fixtures.rfc4568Offer).count
        #expect(d.first?.message.contains("has \(bodyLength - 10) of \(bodyLength) body bytes") == true)
        #expect(framer.bufferedByteCount == 0)
    }
}
