import Transforms

/// What protects one sender's packets: libsrtp for every suite it implements, srtpdump's own
/// transforms for the rest (AES-192, F8, KDR ≠ 0), so that the corpus is encrypted independently of
/// the code that decrypts it wherever that is possible (issue 5).
protocol SenderTransform: AnyObject {
    /// Called before the first packet of each SSRC, with the ROC it starts at.
    func prepare(ssrc: UInt32, roc: UInt32) throws(SynthesisError)
    /// Protects RTP (`rtcp` false; `roc` is the packet's ROC) or RTCP (`index` is its SRTCP index).
    func protect(_ packet: [UInt8], rtcp: Bool, keyIndex: Int, roc: UInt32, index: UInt64) throws(SynthesisError)
        -> [UInt8]
}

/// The transform for a crypto line: libsrtp when it implements the suite and the line asks for no
/// key derivation rate; otherwise our own.
func senderTransform(for line: PartyPlan.ResolvedCryptoLine, ssrtp: Bool = false, rng: inout SeededGenerator)
    throws(SynthesisError) -> any SenderTransform
{
    if ssrtp { return try SSRTPSender(keys: line.keys, initialESN: rng.below(1 << 47)) }
    return try senderTransform(for: line)
}

func senderTransform(for line: PartyPlan.ResolvedCryptoLine) throws(SynthesisError) -> any SenderTransform {
    let kdr = try keyDerivationRate(line.sessionParameters)
    let services = try sessionServices(line.sessionParameters, suite: line.suite)
    if line.suite.libsrtpImplements && kdr == 0 {
        do { return try LibsrtpSession(suite: line.suite, keys: line.keys, services: services) } catch {
            throw SynthesisError(error.description)
        }
    }
    return try OwnTransformSender(
        suite: line.suite, keys: line.keys, keyDerivationRate: kdr, services: services)
}

/// The services a line's session parameters switch off (RFC 4568 §6.3.2, §6.3.3): UNENCRYPTED_SRTP and
/// UNENCRYPTED_SRTCP leave the payload (the RTCP after the first 8 bytes) in the clear, still
/// authenticated; UNAUTHENTICATED_SRTP sends SRTP without a tag (SRTCP keeps its tag: RFC 3711 §3.4
/// makes SRTCP authentication mandatory). RFC 7714 defines an authenticated-only SRTCP (E = 0, the
/// whole packet as associated data) but no such mode for SRTP: with an AEAD suite the synthesizer
/// refuses the two SRTP parameters rather than invent a layout.
func sessionServices(_ parameters: [String], suite: CryptoSuite) throws(SynthesisError) -> SessionParameters {
    var services = SessionParameters()
    for p in parameters {
        switch p {
        case "UNENCRYPTED_SRTP": services.encryptRTP = false
        case "UNENCRYPTED_SRTCP": services.encryptRTCP = false
        case "UNAUTHENTICATED_SRTP": services.authenticateRTP = false
        default: continue
        }
    }
    if suite.suite.isAEAD && (!services.encryptRTP || !services.authenticateRTP) {
        throw SynthesisError(
            "session parameters UNENCRYPTED_SRTP and UNAUTHENTICATED_SRTP do not apply to \(suite.rawValue) (an AEAD suite always encrypts and authenticates SRTP)"
        )
    }
    return services
}

/// `KDR=n` (RFC 4568 §6.3.1): the key derivation rate is 2^n, n from 1 to 24; 0 without the parameter.
func keyDerivationRate(_ parameters: [String]) throws(SynthesisError) -> UInt64 {
    guard let p = parameters.first(where: { $0.hasPrefix("KDR=") }) else { return 0 }
    guard let n = Int(p.dropFirst(4)), (0...24).contains(n) else {
        throw SynthesisError("session parameter \(p): KDR must be 0…24")
    }
    return n == 0 ? 0 : UInt64(1) << UInt64(n)
}
