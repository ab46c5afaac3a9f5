// Fuzz target: DTLS-SRTP handshake tracking (RFC 5764, RFC 6347): `DTLSHandshakeTracker` over a
// sequence of datagrams between two fixed endpoints, record and handshake-fragment parsing,
// reassembly (out of order, overlapping, retransmitted), the hellos' `use_srtp` and versions,
// certificates, ChangeCipherSpec, restarts, key derivation from a fixed TLS key log (the TLS 1.0 and
// 1.2 PRFs and the RFC 5705 exporter, on either crypto provider), then `finish()`, the certificate
// check against a fixed dialog's `a=fingerprint` (RFC 8122 §5) and `DTLSDatagramWalk` on each datagram.
//
// Input: byte 0 bit 0 picks the crypto provider (openssl, gcrypt). Then up to 64 datagrams, each
// `[u16 length][control][bytes]`. Control bit 0: direction (0 A → B, 1 B → A); bit 1: inside TURN
// ChannelData (RFC 8656 §12.4; channel 0x4000 + bits 4–5); bit 3 (without bit 1): in the DATA of a
// TURN Send indication (A → B) or Data indication (B → A), RFC 8656 §10–11; bit 2: handed to the tracker directly
// (`observe(frameNumber:source:destination:payload:channel:)`) instead of as an IPv4/UDP frame through
// `FrameDecoder` and the payload classifier (`observe(_:_:)`), the path the pipelines take.
//
// With SRTPDUMP_FUZZ_TRACE set, each input's handshakes, keys and diagnostics are printed (to check
// what the seeds reach: `SRTPDUMP_FUZZ_TRACE=1 dtls-handshake -runs=0 Fuzz/corpus/dtls-handshake`).
//
// The key log's first client random is 00 01 … 1f, the second its complement: the seeds
// (Fuzz/Scripts/make-seeds.py) use them, so mutations start from handshakes that derive keys.
#if canImport(Glibc)
import Glibc
#endif
import Capture
import Crypto
import DTLSSRTP
import Datagrams
import FuzzSupport
import KeyBook
import Signalling

private let a = Endpoint(IPAddress(v4: 0x0A00_0001), 5000)  // 10.0.0.1:5000, the seeds' DTLS client
private let b = Endpoint(IPAddress(v4: 0x0A00_0002), 6000)  // 10.0.0.2:6000

private let digests: [any MessageDigests] = ((try? CryptoProviders.all) ?? []).compactMap {
    try? CryptoProviders.digests(of: $0)
}

private let trace = getenv("SRTPDUMP_FUZZ_TRACE") != nil

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
}

private let clientRandom = (0..<32).map { UInt8($0) }
private let masterSecret = (0..<48).map { UInt8(0x40 + $0) }

/// Two CLIENT_RANDOM lines (the seeds' randoms), a TLS 1.3 line and an RSA line (set aside).
private let keyLog = TLSKeyLog.parse(
    Array(
        """
        # fixed key log of the dtls-handshake fuzz target
        CLIENT_RANDOM \(hex(clientRandom)) \(hex(masterSecret))
        CLIENT_RANDOM \(hex(clientRandom.map { $0 ^ 0xFF })) \(hex(masterSecret.reversed()))
        CLIENT_HANDSHAKE_TRAFFIC_SECRET \(hex(clientRandom)) \(hex(masterSecret))
        RSA 0011223344556677 \(hex(masterSecret))

        """.utf8), path: "fuzz.keylog")

/// The certificate the seeds send (both sides): a DER-looking blob; only its hash matters.
private let certificate: [UInt8] = [0x30, 0x81, 0x80] + (0..<128).map { UInt8(truncatingIfNeeded: $0 * 7) }

private func colonHex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0 >> 4, radix: 16, uppercase: true) + String($0 & 15, radix: 16, uppercase: true) }
        .joined(separator: ":")
}

/// One dialog: the offer announces A with the sha-256 of the seeds' certificate (a match) and
/// `a=setup:actpass`; the answer announces B with a sha-512 that matches nothing and `a=setup:active`
/// (B is the DTLS server in the seeds: a mismatch note), plus a sha-1 candidate address line.
private let dialogs: [Dialog] = {
    guard let d = digests.first, let fp256 = try? d.digest(.sha256, certificate) else { return [] }
    func sdp(_ ip: String, _ port: Int, _ fingerprint: String, _ setup: String) -> String {
        "v=0\r\no=- 1 1 IN IP4 \(ip)\r\ns=-\r\nc=IN IP4 \(ip)\r\nt=0 0\r\n"
            + "m=audio \(port) UDP/TLS/RTP/SAVP 0\r\na=fingerprint:\(fingerprint)\r\na=setup:\(setup)\r\n"
            + "a=candidate:1 1 UDP 2130706431 \(ip) \(port) typ host\r\n"
    }
    func message(_ startLine: String, toTag: String?, _ body: String) -> [UInt8] {
        let to = "<sip:b@10.0.0.2>" + (toTag.map { ";tag=" + $0 } ?? "")
        return Array(
            ("\(startLine)\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@10.0.0.1>;tag=1\r\n"
                + "To: \(to)\r\nCall-ID: dtls-fuzz\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)").utf8)
    }
    let offer = sdp("10.0.0.1", 5000, "sha-256 " + colonHex(fp256), "actpass")
    let answer = sdp("10.0.0.2", 6000, "sha-512 " + colonHex([UInt8](repeating: 0xAB, count: 64)), "active")
    let tracker = DialogTracker()
    let sip = Endpoint(IPAddress(v4: 0x0A00_0001), 5060)
    let sip2 = Endpoint(IPAddress(v4: 0x0A00_0002), 5060)
    for (n, bytes) in [message("INVITE sip:b@10.0.0.2 SIP/2.0", toTag: nil, offer),
        message("SIP/2.0 200 OK", toTag: "2", answer)].enumerated()
    {
        guard let m = SIPMessageParser.parse(bytes, framing: .datagram).message else { continue }
        let context = SIPMessageContext(
            frame: n + 1, time: nil, source: n == 0 ? sip : sip2, destination: n == 0 ? sip2 : sip)
        _ = tracker.process(m, context: context)
    }
    return tracker.dialogs
}()

/// IPv4 (link type 228) + UDP around `payload`, so the frame goes through the decoder and classifier.
private func ipv4Frame(number: Int, from s: Endpoint, to d: Endpoint, _ payload: [UInt8]) -> Frame {
    let p = payload.prefix(65_535 - 28)
    let total = 28 + p.count
    func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    let sa: [UInt8] = s == a ? [10, 0, 0, 1] : [10, 0, 0, 2]
    let da: [UInt8] = d == a ? [10, 0, 0, 1] : [10, 0, 0, 2]
    let ip: [UInt8] = [0x45, 0] + be16(total) + be16(number) + [0x40, 0, 64, 17, 0, 0] + sa + da
    let udp = be16(Int(s.port)) + be16(Int(d.port)) + be16(8 + p.count) + [0, 0]
    return Frame(
        number: number, timestamp: Timestamp(seconds: 1_700_000_000 + Int64(number), nanoseconds: 0),
        originalLength: total, linkType: .ipv4, data: ip + udp + p)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard !digests.isEmpty else { return 0 }
    var input = FuzzInput(start, count)
    let header = input.byte()
    let tracker = DTLSHandshakeTracker(keyLog: keyLog, digests: digests[Int(header & 1) % digests.count])
    let decoder = FrameDecoder()
    var entries: [KeyEntry] = []
    var diagnostics: [Diagnostic] = []
    var number = 0
    while !input.isAtEnd && number < 64 {
        let length = Int(input.u16())
        let control = input.byte()
        let datagram = Array(input.take(length))
        number += 1
        let (s, d) = control & 1 == 0 ? (a, b) : (b, a)
        let channel = control & 2 != 0 ? 0x4000 + UInt16(control >> 4 & 3) : nil
        var payload = datagram
        if let channel {
            // ChannelData header (RFC 8656 §12.4), padded to 4 bytes as over UDP it may be.
            payload = [UInt8(channel >> 8), UInt8(channel & 0xFF), UInt8(datagram.count >> 8 & 0xFF),
                UInt8(datagram.count & 0xFF)] + datagram + [UInt8](repeating: 0, count: (4 - datagram.count % 4) % 4)
        } else if control & 8 != 0 {
            // STUN indication (RFC 8489 §5, type 0x0010 | method 6 or 7), DATA only, transaction ID 0.
            let method: UInt8 = control & 1 == 0 ? 0x16 : 0x17
            let padded = datagram.count + (4 - datagram.count % 4) % 4
            let length = 4 + padded
            payload = [0x00, method, UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), 0x21, 0x12, 0xA4, 0x42]
                + [UInt8](repeating: 0, count: 12)
                + [0x00, 0x13, UInt8(datagram.count >> 8 & 0xFF), UInt8(datagram.count & 0xFF)] + datagram
                + [UInt8](repeating: 0, count: padded - datagram.count)
        }
        let o: DTLSHandshakeTracker.Observation
        if control & 4 != 0 {
            o = tracker.observe(
                frameNumber: number, source: s, destination: d, payload: datagram[...], channel: channel)
        } else {
            let frame = ipv4Frame(number: number, from: s, to: d, payload)
            o = tracker.observe(frame, decoder.decode(frame))
        }
        entries += o.entries
        if trace { diagnostics += o.diagnostics }
        let walk = DTLSDatagramWalk(datagram[...])
        _ = walk.handshakeTypes.count
    }
    let end = tracker.finish()
    entries += end.entries
    let fingerprints = tracker.checkFingerprints(against: dialogs)
    tracker.assignCalls(to: &entries)
    let summaries = tracker.handshakes.map(\.summary)
    if trace {
        print("== \(number) datagrams, \(entries.count) keys, \(dialogs.count) dialog(s)")
        for s in summaries { print(s, terminator: "") }
        for d in diagnostics + end.diagnostics + fingerprints { print("  \(d.severity) \(d.code) \(d.message)") }
        for e in entries { print("  key \(e.suiteName) call \(e.callID ?? "-")") }
    }
    return 0
}
