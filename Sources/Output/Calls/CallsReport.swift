import Capture
import DTLSSRTP
import Datagrams
import KeyBook
import Signalling

/// `srtpdump calls`: each dialog with its parties, frames, media lines, negotiated protection, key
/// sources and failures; then the DTLS handshakes seen. JSON is `{"calls": [...], "dtls_handshakes": [...]}`
/// (Docs/json-schema.md).
public enum CallsReport {
    public static func write(
        _ dialogs: [Dialog], book: KeyBook, handshakes: [DTLSHandshake] = [], origin: Timestamp?,
        format: DissectionFormat, to output: OutputStream
    ) {
        switch format {
        case .json:
            var w = JSONWriter()
            writeJSON(dialogs, book: book, handshakes: handshakes, into: &w)
            w.withBytes { output.write(raw: $0) }
            output.write("\n")
        case .text:
            output.write(text(dialogs, book: book, origin: origin))
            if !handshakes.isEmpty { output.write("\n" + handshakes.map(\.summary).joined()) }
        }
        output.flush()
    }

    static func name(_ a: SIPNameAddress?) -> String {
        guard let a else { return "?" }
        let tag = a.tag.map { ";tag=\($0)" } ?? ""
        return (a.displayName.map { "\"\($0)\" " } ?? "") + "<\(a.uri)>" + tag
    }

    static func time(_ t: Timestamp?, origin: Timestamp?) -> String {
        guard let t else { return "-" }
        guard let origin else { return TimeFormatting.iso8601(t) }
        return TimeFormatting.relative(t, to: origin) + " s"
    }

    static func address(_ l: MediaLine) -> String {
        if let a = l.address { return a.description }
        if let c = l.connectionAddress { return c.contains(":") ? "[\(c)]:\(l.port)" : "\(c):\(l.port)" }
        return "?:\(l.port)"
    }

    /// The keys of a line as a short list: `a=crypto:1 AES_CM_128_HMAC_SHA1_80 (selected)`.
    static func keys(_ l: MediaLine) -> [String] {
        var out = l.crypto.map { c in
            "a=\(c.kind.rawValue):\(c.tag) \(c.suiteName)"
                + (c.keyParams.count > 1 ? " ×\(c.keyParams.count) keys" : "")
        }
        if let k = l.key { out.append("k=\(k.method.rawValue)") }
        return out
    }

    public static func text(_ dialogs: [Dialog], book: KeyBook, origin: Timestamp?) -> String {
        if dialogs.isEmpty { return "no calls\n" }
        var s = ""
        for d in dialogs {
            s += "call \(d.callID)\n"
            s += "  from    \(name(d.from))\n"
            s += "  to      \(name(d.to))\n"
            s += "  state   \(d.state.rawValue)"
            if let e = d.endFrame { s += " (frame \(e))" }
            s += "\n"
            s +=
                "  frames  \(d.firstFrame)–\(d.lastFrame), \(time(d.firstTime, origin: origin)) – \(time(d.lastTime, origin: origin))\n"
            if !d.securityMechanisms.isEmpty || d.requiresMediasec {
                s +=
                    "  mediasec "
                    + d.securityMechanisms.map {
                        "\($0.header.rawValue): \($0.mechanism)\($0.isMediaPlane ? ";mediasec" : "")"
                    }.joined(separator: ", ")
                s += d.requiresMediasec ? " (Require: mediasec)\n" : "\n"
            }
            for (g, x) in d.exchanges.enumerated() {
                s +=
                    "  exchange \(g + 1) (\(x.kind.rawValue)): offer frame \(x.offer.context.frame) \(x.offer.carrier) by \(x.offer.author.rawValue)"
                if let a = x.answer {
                    s += ", answer frame \(a.context.frame) \(a.carrier) by \(a.author.rawValue)"
                } else if let r = x.rejectedFrame {
                    s += ", rejected in frame \(r)"
                } else {
                    s += ", unanswered"
                }
                s += "\n"
                for (i, l) in x.offer.media.enumerated() {
                    let a = x.answer.flatMap { i < $0.media.count ? $0.media[i] : nil }
                    s += "    m=\(l.type) \(l.proto): \(address(l))"
                    if let a { s += a.isRejected ? " ⇄ rejected" : " ⇄ \(address(a))" }
                    s += "\n"
                    let offered = keys(l)
                    if !offered.isEmpty { s += "      offer keys: \(offered.joined(separator: ", "))\n" }
                    if let a {
                        let answered = keys(a)
                        if !answered.isEmpty { s += "      answer keys: \(answered.joined(separator: ", "))\n" }
                        s += "      protection: \(negotiated(offer: l, answer: a))\n"
                    }
                }
            }
            for f in d.failures {
                s += "  failure frame \(f.context.frame): \(f.method)"
                if let c = f.statusCode { s += " \(c)" }
                s += " \(f.reason)"
                if f.encryptionLevelsIncompatible { s += " [encryption levels incompatible]" }
                if !f.warnings.isEmpty { s += " (\(f.warnings.joined(separator: "; ")))" }
                s += "\n"
            }
            let sources = Set(book.entries.filter { $0.callID == d.callID }.map(\.source.label)).sorted()
            if !sources.isEmpty { s += "  key sources: \(sources.joined(separator: ", "))\n" }
        }
        let manual = book.entries.filter { $0.callID == nil }
        if !manual.isEmpty {
            s +=
                "keys given by hand: \(manual.count) (\(Set(manual.map(\.source.label)).sorted().joined(separator: ", ")))\n"
        }
        return s
    }

    /// What an answered line ended up with: the suite chosen by the answer's crypto tag, `k=`, or none.
    static func negotiated(offer: MediaLine, answer: MediaLine) -> String {
        if answer.isRejected { return "rejected" }
        if let c = answer.crypto.first {
            return
                "\(c.kind == .cryptoscale ? "SDES (cryptoscale)" : "SDES") \(c.suite?.name ?? c.suiteName), tag \(c.tag)"
        }
        if answer.key != nil || offer.key != nil {
            return "MS-RTPME (k=)" + (answer.encryption.map { ", encryption \($0.rawValue)" } ?? "")
        }
        let p = answer.protection
        return p == "none" ? (answer.proto.uppercased().contains("SAVP") ? "SAVP without keys" : "none (RTP)") : p
    }

    public static func writeJSON(
        _ dialogs: [Dialog], book: KeyBook, handshakes: [DTLSHandshake] = [], into w: inout JSONWriter
    ) {
        w.beginObject()
        w.key("calls")
        w.beginArray()
        for d in dialogs {
            w.beginObject()
            w.key("call_id"); w.value(d.callID)
            w.key("from"); w.value(name(d.from))
            w.key("to"); w.value(name(d.to))
            w.key("from_tag"); if let t = d.fromTag { w.value(t) } else { w.null() }
            w.key("to_tag"); if let t = d.toTag { w.value(t) } else { w.null() }
            w.key("state"); w.value(d.state.rawValue)
            w.key("first_frame"); w.value(d.firstFrame)
            w.key("last_frame"); w.value(d.lastFrame)
            w.key("first_time")
            if let t = d.firstTime { w.iso8601Value(seconds: t.seconds, nanoseconds: t.nanoseconds) } else { w.null() }
            w.key("last_time")
            if let t = d.lastTime { w.iso8601Value(seconds: t.seconds, nanoseconds: t.nanoseconds) } else { w.null() }
            w.key("end_frame"); if let e = d.endFrame { w.value(e) } else { w.null() }
            w.key("exchanges")
            w.beginArray()
            for x in d.exchanges {
                w.beginObject()
                w.key("kind"); w.value(x.kind.rawValue)
                w.key("cseq"); w.value(Int(x.cseq))
                w.key("offer"); write(record: x.offer, into: &w)
                w.key("answer"); if let a = x.answer { write(record: a, into: &w) } else { w.null() }
                w.key("rejected_frame"); if let r = x.rejectedFrame { w.value(r) } else { w.null() }
                w.key("protection")
                w.beginArray()
                if let a = x.answer {
                    for (i, l) in x.offer.media.enumerated() where i < a.media.count {
                        w.value(negotiated(offer: l, answer: a.media[i]))
                    }
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
            w.key("failures")
            w.beginArray()
            for f in d.failures {
                w.beginObject()
                w.key("frame"); w.value(f.context.frame)
                w.key("method"); w.value(f.method)
                w.key("status"); if let c = f.statusCode { w.value(c) } else { w.null() }
                w.key("reason"); w.value(f.reason)
                w.key("warnings"); w.beginArray(); for x in f.warnings { w.value(x) }; w.endArray()
                w.key("encryption_levels_incompatible"); w.value(f.encryptionLevelsIncompatible)
                w.endObject()
            }
            w.endArray()
            w.key("security_mechanisms")
            w.beginArray()
            for m in d.securityMechanisms {
                w.beginObject()
                w.key("header"); w.value(m.header.rawValue)
                w.key("mechanism"); w.value(m.mechanism)
                w.key("mediasec"); w.value(m.isMediaPlane)
                w.endObject()
            }
            w.endArray()
            w.key("requires_mediasec"); w.value(d.requiresMediasec)
            w.key("key_sources")
            w.beginArray()
            for s in Set(book.entries.filter { $0.callID == d.callID }.map(\.source.label)).sorted() { w.value(s) }
            w.endArray()
            w.key("diagnostics")
            w.beginArray()
            for x in d.diagnostics { FrameJSON.write(diagnostic: x, into: &w) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("dtls_handshakes")
        writeJSON(handshakes: handshakes, into: &w)
        w.endObject()
    }

    static func write(record r: SDPRecord, into w: inout JSONWriter) {
        w.beginObject()
        w.key("frame"); w.value(r.context.frame)
        w.key("carrier"); w.value(r.carrier)
        w.key("author"); w.value(r.author.rawValue)
        w.key("media")
        w.beginArray()
        for l in r.media {
            w.beginObject()
            w.key("type"); w.value(l.type)
            w.key("proto"); w.value(l.proto)
            w.key("address"); w.value(address(l))
            w.key("rtcp"); if let a = l.rtcpAddress { w.value(a.description) } else { w.null() }
            w.key("rtcp_mux"); w.value(l.rtcpMux)
            w.key("direction"); w.value(l.direction.rawValue)
            w.key("rejected"); w.value(l.isRejected)
            w.key("ssrcs"); w.beginArray(); for s in l.ssrcs { w.value(KeysReport.hex32(s)) }; w.endArray()
            w.key("candidates"); w.beginArray(); for c in l.candidates { w.value(c.endpoint.description) }; w.endArray()
            w.key("protection"); w.value(l.protection)
            w.key("keys"); w.beginArray(); for k in keys(l) { w.value(k) }; w.endArray()
            w.key("encryption"); if let e = l.encryption { w.value(e.rawValue) } else { w.null() }
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
