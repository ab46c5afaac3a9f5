import DTLSSRTP

extension CallsReport {
    /// The DTLS handshakes of `calls --format json` (RFC 5764 §4.1: the `use_srtp` profiles offered and
    /// chosen, the MKI; RFC 7627's extended master secret; the SDP call whose `a=fingerprint` matched).
    static func writeJSON(handshakes: [DTLSHandshake], into w: inout JSONWriter) {
        w.beginArray()
        for h in handshakes {
            w.beginObject()
            w.key("client"); w.value(h.client.description)
            w.key("server"); w.value(h.server.description)
            w.key("version"); w.value(h.versionName)
            w.key("client_hello_frame"); w.value(h.clientHelloFrame)
            w.key("server_hello_frame"); if let f = h.serverHelloFrame { w.value(f) } else { w.null() }
            w.key("cipher_suite")
            if let c = h.cipherSuite { w.value(DTLSHandshake.hex([UInt8(c >> 8), UInt8(c & 0xFF)])) } else { w.null() }
            w.key("offered_profiles"); w.beginArray(); for p in h.offeredProfiles { w.value(p.name) }; w.endArray()
            w.key("profile"); if let p = h.profile { w.value(p.name) } else { w.null() }
            w.key("mki"); w.value(DTLSHandshake.hex(h.mki))
            w.key("extended_master_secret"); w.value(h.extendedMasterSecret)
            w.key("client_random"); w.value(DTLSHandshake.hex(h.clientRandom))
            w.key("key_source"); if let s = h.keySource { w.value(s) } else { w.null() }
            w.key("call_id"); if let c = h.callID { w.value(c) } else { w.null() }
            w.key("messages")
            w.beginArray()
            for m in h.messages {
                w.beginObject()
                w.key("frame"); w.value(m.frame)
                w.key("from"); w.value(m.fromClient ? "client" : "server")
                w.key("type"); w.value(m.name)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
    }
}
