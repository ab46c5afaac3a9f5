import Analysis
import Capture
import DTLSSRTP

/// Renders the decrypt/streams report (Docs/decrypt.md): a text table by default, or one JSON object
/// `{"frames": N, "streams": [...], "diagnostics": [...]}` (schema in Docs/json-schema.md).
public enum StreamsReportWriter {
    public enum Format: String, CaseIterable, Sendable {
        case text, json
    }

    public static func ssrcText(_ ssrc: UInt32) -> String {
        let h = String(ssrc, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - h.count)) + h
    }

    /// Milliseconds with three decimals, as tshark prints them.
    static func ms(_ seconds: Double) -> Double { (seconds * 1_000_000).rounded() / 1000 }

    public static func json(
        frames: Int, streams: [MediaStream], diagnostics: [Diagnostic], handshakes: [DTLSHandshake] = []
    ) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("frames")
        w.value(frames)
        w.key("streams")
        w.beginArray()
        for s in streams {
            w.beginObject()
            w.key("ssrc")
            w.value(ssrcText(s.ssrc))
            w.key("protocol")
            w.value(s.protocolName)
            w.key("src")
            w.value(s.flow.source.description)
            w.key("dst")
            w.value(s.flow.destination.description)
            if let ch = s.flow.channel {
                w.key("channel")
                w.value(Int(ch))
            }
            w.key("transport")
            w.value(s.flow.tcp ? "tcp" : "udp")
            w.key("suite")
            if let suite = s.suite { w.value(suite) } else { w.null() }
            w.key("packets")
            w.value(s.packets)
            w.key("authenticated")
            w.value(s.authenticated)
            w.key("auth_failed")
            w.value(s.authFailed)
            w.key("replayed")
            w.value(s.replayed)
            // No ROC to tell when no packet authenticated (a failing stream's estimate is not a finding).
            let decided = s.authenticated + s.replayed > 0
            w.key("first_roc")
            if decided { w.value(Int(s.firstROC ?? 0)) } else { w.null() }
            w.key("roc")
            if decided { w.value(Int(s.lastROC ?? 0)) } else { w.null() }
            if let r = s.recoveredROC {
                w.key("roc_search")
                w.beginObject()
                w.key("recovered")
                if let roc = r.roc { w.value(Int(roc)) } else { w.null() }
                w.key("tried")
                w.value(r.tried)
                w.endObject()
            }
            w.key("key")
            if let k = s.key {
                w.beginObject()
                w.key("source")
                w.value(k.source)
                w.key("frame")
                if let f = k.frame { w.value(f) } else { w.null() }
                w.key("binding")
                w.value(s.binding ?? "")
                w.endObject()
            } else {
                w.null()
            }
            w.key("first_frame")
            w.value(s.firstFrame)
            w.key("last_frame")
            w.value(s.lastFrame)
            if s.kind == .rtp {
                let st = s.statistics
                w.key("payload_types")
                w.beginArray()
                for pt in s.payloadTypes { w.value(Int(pt)) }
                w.endArray()
                w.key("lost")
                w.value(st.lost)
                w.key("out_of_order")
                w.value(st.sequenceErrors)
                w.key("max_delta_ms")
                w.value(ms(st.maxDeltaSeconds))
                w.key("jitter_ms")
                w.value(ms(st.jitterSeconds))
                w.key("mean_jitter_ms")
                w.value(ms(st.meanJitterSeconds))
                w.key("max_jitter_ms")
                w.value(ms(st.maxJitterSeconds))
            }
            w.key("diagnosis")
            w.beginArray()
            for f in s.diagnosis {
                w.beginObject()
                w.key("reason")
                w.value(f.reason.rawValue)
                w.key("detail")
                w.value(f.detail)
                w.key("count")
                w.value(f.count)
                w.key("frames")
                w.beginArray()
                for fr in f.exampleFrames { w.value(fr) }
                w.endArray()
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("diagnostics")
        w.beginArray()
        for d in diagnostics {
            w.beginObject()
            w.key("severity")
            w.value(d.severity.rawValue)
            w.key("code")
            w.value(d.code)
            w.key("frame")
            if let f = d.frame { w.value(f) } else { w.null() }
            w.key("field")
            if let f = d.field { w.value(f) } else { w.null() }
            w.key("message")
            w.value(d.message)
            w.endObject()
        }
        w.endArray()
        // Only when there were any, so that reports of captures without DTLS keep their shape.
        if !handshakes.isEmpty {
            w.key("dtls_handshakes")
            CallsReport.writeJSON(handshakes: handshakes, into: &w)
        }
        w.endObject()
        var bytes = w.bytes
        bytes.append(0x0A)
        return bytes
    }

    public static func text(
        frames: Int, streams: [MediaStream], diagnostics: [Diagnostic], handshakes: [DTLSHandshake] = []
    ) -> String {
        var out = "\(frames) frame\(frames == 1 ? "" : "s"), \(streams.count) media stream\(streams.count == 1 ? "" : "s")\n\n"
        func pad(_ s: String, _ n: Int) -> String {
            s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
        }
        out +=
            pad("SSRC", 11) + pad("PROTO", 7) + pad("SOURCE", 24) + pad("DESTINATION", 24) + pad("PKTS", 7)
            + pad("AUTH", 7) + pad("FAIL", 6) + pad("REPL", 6) + pad("ROC", 5) + pad("LOST", 6) + pad("SEQERR", 7)
            + pad("MAXΔms", 9) + pad("MAXJITms", 9) + "SUITE\n"
        for s in streams {
            let st = s.statistics
            let rtp = s.kind == .rtp
            out +=
                pad(ssrcText(s.ssrc), 11) + pad(s.protocolName, 7) + pad(s.flow.source.description, 24)
                + pad(s.flow.destination.description, 24) + pad(String(s.packets), 7) + pad(String(s.authenticated), 7)
                + pad(String(s.authFailed), 6) + pad(String(s.replayed), 6)
                + pad(s.authenticated + s.replayed > 0 ? String(s.lastROC ?? 0) : "-", 5)
                + pad(rtp ? String(st.lost) : "-", 6) + pad(rtp ? String(st.sequenceErrors) : "-", 7)
                + pad(rtp ? String(format3(ms(st.maxDeltaSeconds))) : "-", 9)
                + pad(rtp ? String(format3(ms(st.maxJitterSeconds))) : "-", 9) + (s.suite ?? "-") + "\n"
            if let k = s.key {
                // "SDP a=crypto:1 in frame 4 by …" already names its frame.
                let frame = k.frame.flatMap { k.source.contains("frame \($0)") ? nil : " (frame \($0))" } ?? ""
                out += "    key: \(k.source)\(frame) — \(s.binding ?? "")\n"
            }
            if s.flow.tcp { out += "    over TCP (RFC 4571 framing)\n" }
            if let ch = s.flow.channel { out += "    TURN channel 0x\(String(ch, radix: 16))\n" }
            if let r = s.recoveredROC, let roc = r.roc {
                out += "    ROC \(roc) recovered by tag search (\(r.tried) candidates tried)\n"
            } else if let r = s.recoveredROC, s.authenticated == 0 {
                out +=
                    "    ROC search found nothing (\(r.tried) candidates tried\(r.exhausted ? "" : ", time bound reached"))\n"
            }
            for f in s.diagnosis {
                let frames = f.exampleFrames.map(String.init).joined(separator: ", ")
                out += "    \(f.count) failed: \(f.reason.rawValue): \(f.detail) (e.g. frames \(frames))\n"
            }
        }
        if !handshakes.isEmpty { out += "\n" + handshakes.map(\.summary).joined() }
        if !diagnostics.isEmpty {
            out += "\n"
            for d in diagnostics { out += "\(d.severity.rawValue): \(d)\n" }
        }
        return out
    }

    private static func format3(_ v: Double) -> String {
        let scaled = Int((v * 1000).rounded())
        let frac = abs(scaled % 1000)
        return "\(scaled / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
    }
}
