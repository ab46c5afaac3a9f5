import Crypto
import Transforms

/// Protects with srtpdump's own SRTP transforms (Transforms.SRTPSession) where libsrtp cannot:
/// AES-192 counter mode (RFC 6188), F8 (RFC 3711 §4.1.2), and a key derivation rate other than 0
/// (RFC 3711 §4.3.1). The corpus files made this way are checked by the transforms' own vector tests,
/// not by the libsrtp oracle.
final class OwnTransformSender: SenderTransform {
    private let session: SRTPSession

    init(
        suite: CryptoSuite, keys: [MasterKey], keyDerivationRate: UInt64,
        services: SessionParameters = SessionParameters()
    ) throws(SynthesisError) {
        guard let ownSuite = SRTPSuite.named(suite.rawValue) else {
            throw SynthesisError("suite \(suite.rawValue) unknown to the transforms")
        }
        let ownKeys = keys.map {
            Transforms.MasterKey(
                key: Array($0.keyAndSalt.prefix(suite.masterKeyLength)),
                salt: Array($0.keyAndSalt.dropFirst(suite.masterKeyLength)), mki: $0.mki)
        }
        do {
            session = try SRTPSession(
                policy: SRTPPolicy(
                    suite: ownSuite, keys: ownKeys, keyDerivationRate: keyDerivationRate, sessionParameters: services),
                provider: try CryptoProviders.default)
        } catch {
            throw SynthesisError("own transforms: \(error)")
        }
    }

    func prepare(ssrc: UInt32, roc: UInt32) throws(SynthesisError) {}

    func protect(_ packet: [UInt8], rtcp: Bool, keyIndex: Int, roc: UInt32, index: UInt64) throws(SynthesisError)
        -> [UInt8]
    {
        // The stream by SSRC: RTP bytes 8–11, RTCP sender SSRC bytes 4–7 (the synthesizer's own packets).
        let at = rtcp ? 4 : 8
        guard packet.count >= at + 4 else { throw SynthesisError("own transforms: packet too short") }
        let ssrc =
            UInt32(packet[at]) << 24 | UInt32(packet[at + 1]) << 16 | UInt32(packet[at + 2]) << 8
            | UInt32(packet[at + 3])
        do {
            let stream = try session.stream(ssrc)
            return rtcp
                ? try stream.protectRTCP(packet, index: UInt32(truncatingIfNeeded: index), keyIndex: keyIndex)
                : try stream.protectRTP(packet, roc: roc, keyIndex: keyIndex)
        } catch {
            throw SynthesisError("own transforms: \(error)")
        }
    }
}
