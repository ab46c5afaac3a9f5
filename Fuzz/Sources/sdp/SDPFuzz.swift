// Fuzz target: the SDP parser and every attribute it interprets, the key ones above all
// (a=crypto and a=cryptoscale of RFC 4568 / MS-SDPEXT, k= of RFC 4566 §5.12).
//
// Input byte 0 even: the rest is a whole SDP. Byte 0 odd: byte 1 picks an attribute (or k=) and the
// rest is its value, placed both at session and at media level of a minimal valid SDP, so that the
// mutations go into the value parser instead of being spent on finding the line syntax.
import FuzzSupport
import Signalling

private let attributes = [
    "crypto", "cryptoscale", "k", "rtpmap", "fmtp", "rtcp", "ssrc", "candidate", "extmap", "fingerprint",
    "zrtp-hash", "key-mgmt", "encryption", "setup", "mid", "ptime", "rtcp-mux", "cryptex", "sendonly",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let mode = input.byte()
    let sdp: [UInt8]
    if mode & 1 == 0 {
        sdp = Array(input.rest())
    } else {
        let name = attributes[Int(input.byte()) % attributes.count]
        let value = Array(input.rest())
        let line: [UInt8] = (name == "k" ? Array("k=".utf8) : Array("a=\(name):".utf8)) + value + [13, 10]
        sdp = Array("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n".utf8) + line
            + Array("m=audio 49170 RTP/SAVP 0 8 96\r\n".utf8) + line
    }
    let result = SDPParser.parse(sdp)
    for media in [result.description.media.map(\.security), [result.description.security]].joined() {
        for attribute in media.crypto {
            for keyParam in attribute.keyParams {
                _ = keyParam.mki?.bytes
                if let suite = attribute.suite { _ = keyParam.split(for: suite) }
            }
        }
    }
    for media in result.description.media { _ = media.rtcpDestination }
    // Several SDPs run together (a second v= line): each is parsed alone too. One body is the input
    // itself, parsed above; parsing it twice would halve the executions for nothing.
    let bodies = SDPParser.splitConcatenatedBodies(sdp)
    if bodies.count > 1 {
        for body in bodies { _ = SDPParser.parse(body.body) }
    }
    return 0
}
