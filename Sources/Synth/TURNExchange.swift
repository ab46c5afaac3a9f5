/// The caller's life as a TURN client (RFC 8656), as the capture on its side shows it:
///
/// - before the INVITE, an Allocate per media component (RTP, and RTCP unless rtcp-mux): the first is
///   refused with 401 and a REALM and NONCE (the long-term credential mechanism, RFC 8489 §9.2), the
///   retry carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; the success gives XOR-RELAYED-ADDRESS
///   (the address the SDP announces), XOR-MAPPED-ADDRESS and LIFETIME (RFC 8656 §7). Without rtcp-mux the
///   RTP Allocate asks for EVEN-PORT with R set and the RTCP one uses the RESERVATION-TOKEN (§14.6, §14.9),
///   so the relayed ports pair as RTP and RTCP should;
/// - once the answer names the peer, CreatePermission (§9) and, a little later, ChannelBind (§12) with
///   CHANNEL-NUMBER and XOR-PEER-ADDRESS; until the bind succeeds media travels in Send and Data
///   indications (§10, §11), from then in ChannelData;
/// - after the call, a Refresh with LIFETIME 0 that deletes the allocation (§8).
///
/// Every request and success response is authenticated with MESSAGE-INTEGRITY and ends with a
/// FINGERPRINT; indications are not authenticated (§10.1) and keep DATA last.
struct TURNExchange {
    /// One allocation: the caller's port, its relayed address, the peer and channel it binds.
    struct Component {
        var client: Endpoint
        var relayed: Endpoint
        var peer: Endpoint
        var channel: UInt16
        /// When the ChannelBind success arrives: media from then on uses the channel.
        var boundAt: Double
    }

    let server: Endpoint
    private(set) var components: [Component] = []
    private(set) var items: [CallSynthesizer.WireItem] = []

    private var rng: SeededGenerator
    private var ipID: (UInt16, UInt16)
    private let username: String
    private let realm: String
    private let nonce: String
    private let key: [UInt8]
    private let clientSoftware: String
    private let serverSoftware = "srtpdump-synth TURN relay"

    /// - Parameters:
    ///   - learnTime: when the caller learns the peer's media address (the first answer SDP).
    ///   - seed: the exchange draws from its own generator, so that adding it moved nothing else.
    init(
        relay: Scenario.TURNRelay, server: Endpoint, relayed: Endpoint, channel: UInt16, client: Endpoint,
        peer: Endpoint, rtcpMux: Bool, learnTime: Double, endTime: Double, clientSoftware: String,
        defaultUsername: String, defaultRealm: String, seed: UInt64
    ) throws(SynthesisError) {
        self.server = server
        rng = SeededGenerator(seed: seed)
        ipID = (UInt16(truncatingIfNeeded: rng.next()), UInt16(truncatingIfNeeded: rng.next()))
        username = relay.username ?? defaultUsername
        realm = relay.realm ?? defaultRealm
        nonce = rng.hexToken(24)
        self.clientSoftware = clientSoftware
        key = try STUNMessageBuilder.longTermKey(username: username, realm: realm, password: relay.password ?? "synth")
        components.append(
            Component(client: client, relayed: relayed, peer: peer, channel: channel, boundAt: .infinity))
        if !rtcpMux {
            components.append(
                Component(
                    client: Endpoint(address: client.address, port: client.port &+ 1),
                    relayed: Endpoint(address: relayed.address, port: relayed.port &+ 1),
                    peer: Endpoint(address: peer.address, port: peer.port &+ 1), channel: channel &+ 1,
                    boundAt: .infinity))
        }
        try allocate(at: -0.3)
        for k in components.indices {
            let t = learnTime + 0.002 + 0.012 * Double(k)
            let peer = components[k].peer
            try exchange(k, at: t, .createPermission, request: { m in m.add(.xorPeerAddress, address: peer) })
        }
        for k in components.indices {
            let t = learnTime + 0.08 + 0.012 * Double(k)
            components[k].boundAt = t + 0.005
            let (peer, channel) = (components[k].peer, components[k].channel)
            try exchange(
                k, at: t, .channelBind,
                request: { m in
                    // CHANNEL-NUMBER (RFC 8656 §14.1): the number, then 16 bits RFFU.
                    m.add(.channelNumber, be16(channel) + [0, 0])
                    m.add(.xorPeerAddress, address: peer)
                })
        }
        for k in components.indices {
            // Refresh with LIFETIME 0 deletes the allocation (RFC 8656 §8); the success echoes 0.
            try exchange(
                k, at: endTime + 0.08 + 0.012 * Double(k), .refresh,
                request: { m in m.add(.lifetime, uint32: 0) }, response: { m in m.add(.lifetime, uint32: 0) })
        }
    }

    /// Allocate: a first request without credentials and its 401, then the authenticated retry per
    /// component (RFC 8656 §7.1, §7.2; RFC 8489 §9.2.4).
    private mutating func allocate(at time: Double) throws(SynthesisError) {
        let probeID = rng.bytes(12)
        var probe = STUNMessageBuilder(.allocate, .request, transactionID: probeID)
        probe.add(.requestedTransport, [17, 0, 0, 0])  // UDP (RFC 8656 §14.7)
        probe.add(.software, text: clientSoftware)
        probe.addFingerprint()
        send(probe, at: time, fromClient: true, component: 0)
        var refusal = STUNMessageBuilder(.allocate, .error, transactionID: probeID)
        refusal.addError(401, "Unauthorized")
        refusal.add(.realm, text: realm)
        refusal.add(.nonce, text: nonce)
        refusal.add(.software, text: serverSoftware)
        refusal.addFingerprint()
        send(refusal, at: time + 0.005, fromClient: false, component: 0)

        var token: [UInt8]?
        for k in components.indices {
            let pairs = components.count == 2 && components[0].relayed.port % 2 == 0
            let id = rng.bytes(12)
            var request = STUNMessageBuilder(.allocate, .request, transactionID: id)
            request.add(.requestedTransport, [17, 0, 0, 0])
            request.add(.lifetime, uint32: 600)
            if pairs && k == 0 { request.add(.evenPort, [0x80]) }  // R: reserve the next port (§14.6)
            if pairs, k == 1, let token { request.add(.reservationToken, token) }
            try authenticate(&request)
            send(request, at: time + 0.01 + 0.012 * Double(k), fromClient: true, component: k)
            var response = STUNMessageBuilder(.allocate, .success, transactionID: id)
            response.add(.xorRelayedAddress, address: components[k].relayed)
            response.add(.lifetime, uint32: 600)
            if pairs && k == 0 {
                let reserved = rng.bytes(8)
                token = reserved
                response.add(.reservationToken, reserved)
            }
            response.add(.xorMappedAddress, address: components[k].client)
            response.add(.software, text: serverSoftware)
            try response.addMessageIntegrity(key: key)
            response.addFingerprint()
            send(response, at: time + 0.015 + 0.012 * Double(k), fromClient: false, component: k)
        }
    }

    /// An authenticated request with its attributes and the success response 5 ms later.
    private mutating func exchange(
        _ k: Int, at time: Double, _ method: STUNMessageBuilder.Method,
        request fill: (inout STUNMessageBuilder) -> Void,
        response fillResponse: (inout STUNMessageBuilder) -> Void = { _ in }
    ) throws(SynthesisError) {
        let id = rng.bytes(12)
        var request = STUNMessageBuilder(method, .request, transactionID: id)
        fill(&request)
        try authenticate(&request)
        send(request, at: time, fromClient: true, component: k)
        var response = STUNMessageBuilder(method, .success, transactionID: id)
        fillResponse(&response)
        response.add(.software, text: serverSoftware)
        try response.addMessageIntegrity(key: key)
        response.addFingerprint()
        send(response, at: time + 0.005, fromClient: false, component: k)
    }

    /// USERNAME, REALM, NONCE, SOFTWARE, MESSAGE-INTEGRITY, FINGERPRINT (RFC 8489 §9.2.4).
    private func authenticate(_ m: inout STUNMessageBuilder) throws(SynthesisError) {
        m.add(.username, text: username)
        m.add(.realm, text: realm)
        m.add(.nonce, text: nonce)
        m.add(.software, text: clientSoftware)
        try m.addMessageIntegrity(key: key)
        m.addFingerprint()
    }

    private mutating func send(_ m: STUNMessageBuilder, at time: Double, fromClient: Bool, component k: Int) {
        let client = components[k].client
        let (src, dst) = fromClient ? (client, server) : (server, client)
        let id: UInt16
        if fromClient {
            ipID.0 &+= 1
            id = ipID.0
        } else {
            ipID.1 &+= 1
            id = ipID.1
        }
        let udp = IPPacketBuilder.udp(from: src, to: dst, payload: m.bytes)
        items.append(
            CallSynthesizer.WireItem(
                time: time, order: 0,
                ipPackets: [
                    IPPacketBuilder.ip(
                        source: src.address, destination: dst.address, proto: .udp, identification: id, payload: udp)
                ],
                fromCaller: fromClient, isMedia: false, kind: "stun", media: nil, mark: nil))
    }

    /// Wraps a media packet sent before the channel is bound in a Send indication (client → server) or
    /// a Data indication (server → client), with XOR-PEER-ADDRESS and DATA last (RFC 8656 §10.1, §11.4).
    static func indication(
        _ packet: [UInt8], toPeer fromClient: Bool, peer: Endpoint, rng: inout SeededGenerator
    ) -> [UInt8] {
        var m = STUNMessageBuilder(fromClient ? .send : .data, .indication, transactionID: rng.bytes(12))
        m.add(.xorPeerAddress, address: peer)
        m.add(.data, packet)
        return m.bytes
    }
}
