import Capture
import Datagrams
import Signalling

/// Builds SIP messages for the key book tests (LF-written text sent with CRLF line ends).
enum SIP {
    static func wire(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in text.utf8 {
            if b == 0x0A { out.append(0x0D) }
            out.append(b)
        }
        return out
    }

    static func message(_ start: String, cseq: String, toTag: String?, fromCaller: Bool = true, sdp: String?)
        -> SIPMessage?
    {
        let caller = "<sip:alice@example.com>;tag=ca11e2"
        let callee = "<sip:bob@example.com>" + (toTag.map { ";tag=\($0)" } ?? "")
        var h = "\(start)\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\n"
        h += fromCaller ? "From: \(caller)\nTo: \(callee)\n" : "From: \(callee)\nTo: \(caller)\n"
        h += "Call-ID: call-1@example.com\nCSeq: \(cseq)\n"
        let body = sdp.map(wire) ?? []
        if sdp != nil { h += "Content-Type: application/sdp\n" }
        h += "Content-Length: \(body.count)\n\n"
        return SIPMessageParser.parse(wire(h) + body).message
    }

    static func sdp(_ ip: String, _ port: Int, crypto: [String], extra: String = "") -> String {
        var s = "v=0\no=- 1 1 IN IP4 \(ip)\ns=-\nc=IN IP4 \(ip)\nt=0 0\nm=audio \(port) RTP/SAVP 0\n"
        for c in crypto { s += "a=crypto:\(c)\n" }
        return s + extra
    }

    /// Feeds messages as frames 1, 2, … (or the given frames).
    static func track(_ messages: [(frame: Int, message: SIPMessage?)]) -> DialogTracker {
        let t = DialogTracker()
        for (f, m) in messages {
            if let m { t.process(m, context: SIPMessageContext(frame: f, time: nil)) }
        }
        return t
    }
}

// Keys used below: 30 bytes of key‖salt each, base64 (RFC 4568 §8.1's key, and two made up).
let keyA = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
let keyB = "PS1uQCVeeCFCanVmcHcyKzJ2ZUNBYXJOcyN1QnZT"
let keyC = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"
let keyD = "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0"
/// 46 bytes (AES-256 key‖salt), from Captures/forking-early-media.pcap's INVITE.
let key46 = "ZxIX5KfejWlyEBca36bgH6T8+dWDqXYR6V3SzOAiumuWr8EdXAaQP+PE2htMkA=="
