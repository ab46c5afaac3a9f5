import Capture
import Datagrams
import KeyBook
import Signalling

/// `srtpdump keys`: the key book, one entry per key-param. JSON is `{"keys": [...]}` (Docs/json-schema.md),
/// which `--keys FILE` reads back; text is one line per key.
public enum KeysReport {
    /// `redactKeys` (`--redact-keys`) writes each key as its fingerprint (`KeyRedaction`).
    public static func write(_ book: KeyBook, format: DissectionFormat, to output: OutputStream, redactKeys: Bool = false) {
        switch format {
        case .json:
            var w = JSONWriter()
            writeJSON(book, into: &w, redactKeys: redactKeys)
            w.withBytes { output.write(raw: $0) }
            output.write("\n")
        case .text:
            output.write(text(book, redactKeys: redactKeys))
        }
        output.flush()
    }

    public static func writeJSON(_ book: KeyBook, into w: inout JSONWriter, redactKeys: Bool = false) {
        w.beginObject()
        w.key("keys")
        w.beginArray()
        for e in book.entries { write(entry: e, into: &w, redactKeys: redactKeys) }
        w.endArray()
        w.endObject()
    }

    static func write(entry e: KeyEntry, into w: inout JSONWriter, redactKeys: Bool) {
        func optional(_ s: String?) { if let s { w.value(s) } else { w.null() } }
        func optional(_ n: Int?) { if let n { w.value(n) } else { w.null() } }
        w.beginObject()
        w.key("call_id"); optional(e.callID)
        w.key("frame"); w.value(e.frame)
        w.key("effective_frame"); optional(e.effectiveFrame)
        w.key("generation"); w.value(e.generation)
        w.key("source"); w.value(e.source.label)
        w.key("role"); optional(e.role?.rawValue)
        w.key("party"); optional(e.party?.rawValue)
        w.key("sender"); optional(e.senderLabel)
        w.key("sender_rtcp"); optional(e.senderRTCP?.description)
        w.key("destination"); optional(e.destination?.description)
        w.key("destination_rtcp"); optional(e.destinationRTCP?.description)
        if !e.otherDestinations.isEmpty {
            w.key("other_destinations"); w.beginArray(); for d in e.otherDestinations { w.value(d.description) };
            w.endArray()
        }
        w.key("ssrcs"); w.beginArray(); for s in e.ssrcs { w.value(hex32(s)) }; w.endArray()
        w.key("candidates"); w.beginArray(); for c in e.candidates { w.value(c.description) }; w.endArray()
        w.key("media"); optional(e.media)
        w.key("media_index"); optional(e.mediaIndex)
        w.key("attribute"); w.value(e.attribute.rawValue)
        w.key("tag"); optional(e.tag.map { Int($0) })
        w.key("suite"); w.value(e.suiteName)
        w.key("key")
        if redactKeys, let r = redacted(e) {
            w.value(r)
        } else if let t = e.keyText {
            w.value(t)
        } else if let ks = e.keySalt {
            w.value(SDESBase64.encode(ks))
        } else {
            w.null()
        }
        w.key("mki")
        if let m = e.mki {
            w.beginObject(); w.key("value"); w.value(m.value); w.key("length"); w.value(m.length); w.endObject()
        } else {
            w.null()
        }
        w.key("lifetime"); optional(e.lifetime)
        w.key("params"); w.beginArray(); for p in e.params { w.value(p) }; w.endArray()
        w.key("cryptex"); w.value(e.cryptex)
        w.key("encrypted_extensions"); w.beginArray(); for x in e.encryptedExtensionIDs { w.value(x) }; w.endArray()
        w.key("selected"); w.value(e.selected)
        w.key("usable"); w.value(e.isUsable)
        w.key("group"); w.value(e.group)
        if !e.scope.isEmpty {
            w.key("scope")
            w.beginObject()
            w.key("ssrcs"); w.beginArray(); for s in e.scope.ssrcs { w.value(hex32(s)) }; w.endArray()
            w.key("addresses"); w.beginArray(); for a in e.scope.addresses { w.value(a.description) }; w.endArray()
            w.endObject()
        }
        w.endObject()
    }

    /// One line per key: frame, who sent with it, where to, attribute and tag, suite, key, MKI, flags.
    public static func text(_ book: KeyBook, redactKeys: Bool = false) -> String {
        if book.entries.isEmpty { return "no keys\n" }
        var s = ""
        var lastCall: String?? = .none
        for e in book.entries {
            if lastCall != .some(e.callID) {
                s += e.callID.map { "call \($0)\n" } ?? "keys given by hand\n"
                lastCall = .some(e.callID)
            }
            var line = "  "
            line += e.frame > 0 ? "frame \(e.frame)" : e.source.label
            if let g = e.effectiveFrame, g != e.frame { line += " (from frame \(g))" }
            if let r = e.role, let p = e.party { line += " \(r.rawValue) by \(p.rawValue)" }
            if let m = e.media { line += " \(m)" }
            line += " \(e.senderLabel ?? "any") → \(e.destination?.description ?? "any")"
            for d in e.otherDestinations { line += ", \(d)" }
            line += " a=\(e.attribute.rawValue)"
            if let t = e.tag { line += ":\(t)" }
            line += " \(e.suiteName)"
            if redactKeys, let r = redacted(e) {
                line += e.keyText == nil ? " inline:\(r)" : " \(r)"
            } else if let t = e.keyText {
                line += " \(t)"
            } else if let ks = e.keySalt {
                line += " inline:\(SDESBase64.encode(ks))"
            }
            if let l = e.lifetime { line += "|\(l)" }
            if let m = e.mki { line += "|\(m.value):\(m.length)" }
            if !e.params.isEmpty { line += " " + e.params.joined(separator: " ") }
            if !e.ssrcs.isEmpty { line += " ssrc " + e.ssrcs.map { hex32($0) }.joined(separator: ",") }
            for x in e.scope.ssrcs { line += " ssrc=\(hex32(x))" }
            for a in e.scope.addresses { line += " addr=\(a)" }
            if e.callID != nil { line += e.selected ? " [selected]" : " [not selected]" }
            if !e.isUsable { line += " [unusable]" }
            if case .sdp = e.source {} else if e.frame > 0 { line += " (\(e.source.label))" }
            s += line + "\n"
        }
        return s
    }

    /// The entry's key as its fingerprint: of the decoded bytes when there are some, else of the text
    /// (markers such as `base64:` kept).
    static func redacted(_ e: KeyEntry) -> String? {
        if let t = e.keyText {
            let r = KeyRedaction.redact(t)
            if r != t { return r }
            return e.keySalt.map { KeyRedaction.fingerprint($0) } ?? KeyRedaction.fingerprint(Array(t.utf8))
        }
        return e.keySalt.map { KeyRedaction.fingerprint($0) }
    }

    static func hex32(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - h.count)) + h
    }
}
