import Capture
import Crypto
import Datagrams
import KeyBook
import Signalling

/// Binds handshakes to calls through the SDP's `a=fingerprint` (RFC 8122 §5, RFC 5763 §5): a side's
/// certificate must hash to a fingerprint that the SDP announcing its address carries. A mismatch
/// (a man in the middle, or a capture of the wrong leg) is reported; a match names the call.
extension DTLSHandshakeTracker {
    struct Claim {
        var callID: String
        var frame: Int
        var endpoints: Set<Endpoint>
        var fingerprints: [(hash: String, bytes: [UInt8])]
        var setup: String?
    }

    /// Checks every handshake's certificates against the dialogs' SDP; returns the diagnostics and sets
    /// `callID` on handshakes whose fingerprint matched.
    public func checkFingerprints(against dialogs: [Dialog]) -> [Diagnostic] {
        var claims: [Claim] = []
        for d in dialogs {
            for x in d.exchanges {
                for record in [x.offer] + (x.answer.map { [$0] } ?? []) {
                    for line in record.media where !line.fingerprints.isEmpty {
                        var endpoints = Set(line.candidates.map(\.endpoint))
                        if let a = line.address { endpoints.insert(a) }
                        let fps = line.fingerprints.compactMap(Self.parseFingerprint)
                        claims.append(
                            Claim(
                                callID: d.callID, frame: record.context.frame, endpoints: endpoints, fingerprints: fps,
                                setup: line.setup))
                    }
                }
            }
        }
        var out: [Diagnostic] = []
        for i in handshakes.indices {
            let h = handshakes[i]
            let sides: [(name: String, endpoint: Endpoint, cert: [UInt8]?, frame: Int?, isClient: Bool)] = [
                ("client", h.client, h.clientCertificate, h.clientCertificateFrame, true),
                ("server", h.server, h.serverCertificate, h.serverCertificateFrame, false),
            ]
            for side in sides {
                let relevant = claims.filter { $0.endpoints.contains(side.endpoint) }
                for c in relevant {
                    // RFC 5763 §5: "active" opens the DTLS connection, i.e. is the client.
                    if let setup = c.setup,
                        (setup == "active" && !side.isClient) || (setup == "passive" && side.isClient)
                    {
                        out.append(
                            Diagnostic(
                                .note, code: DTLSCode.handshake, frame: h.clientHelloFrame,
                                "\(side.endpoint) is the DTLS \(side.name), but the SDP in frame \(c.frame) (call \(c.callID)) says a=setup:\(setup)"
                            ))
                    }
                }
                guard let cert = side.cert, !relevant.isEmpty else { continue }
                var matched: String?
                var described: [String] = []
                for c in relevant {
                    for fp in c.fingerprints {
                        guard let alg = DigestAlgorithm(textualName: fp.hash),
                            let digest = try? digests.digest(alg, cert)
                        else { continue }
                        if digest == fp.bytes { matched = c.callID }
                        described.append(
                            "\(fp.hash) \(Self.colonHex(fp.bytes)) (SDP frame \(c.frame), call \(c.callID))")
                    }
                }
                if let matched {
                    handshakes[i].callID = matched
                } else if !described.isEmpty {
                    let own = (try? digests.digest(.sha256, cert)).map { Self.colonHex($0) } ?? "?"
                    out.append(
                        Diagnostic(
                            .warning, code: DTLSCode.fingerprint, frame: side.frame,
                            "the certificate the DTLS \(side.name) \(side.endpoint) sent has sha-256 \(own), matching no a=fingerprint announced for that address: \(described.joined(separator: "; "))"
                        ))
                }
            }
        }
        return out
    }

    /// Gives the keys of each handshake whose fingerprint matched a call that call's Call-ID, so that
    /// `keys` lists them with the call and the book binds them with its other keys. Call after
    /// `checkFingerprints(against:)`.
    public func assignCalls(to entries: inout [KeyEntry]) {
        for h in handshakes {
            guard let call = h.callID else { continue }
            let pair: Set<Endpoint> = [h.client, h.server]
            for j in entries.indices {
                guard case .dtlsHandshake = entries[j].source, let s = entries[j].sender,
                    let d = entries[j].destination, Set([s, d]) == pair
                else { continue }
                entries[j].callID = call
            }
        }
    }

    /// `sha-256 AB:CD:…` as `MediaLine.fingerprints` holds it.
    static func parseFingerprint(_ text: String) -> (hash: String, bytes: [UInt8])? {
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return nil }
        var bytes: [UInt8] = []
        for pair in parts[1].split(separator: ":") {
            guard let b = UInt8(pair, radix: 16) else { return nil }
            bytes.append(b)
        }
        return (String(parts[0]).lowercased(), bytes)
    }

    static func colonHex(_ b: [UInt8]) -> String {
        b.map { x in
            let h = String(x, radix: 16, uppercase: true)
            return h.count == 1 ? "0" + h : h
        }.joined(separator: ":")
    }
}
