import Crypto
import Transforms

/// Protects a sender's RTP as MS-SSRTP (MS-SSRTP §3.1.4: ESN trailer, 1-byte MKI) with srtpdump's own
/// transform (libsrtp has no SSRTP), and its RTCP as plain SRTCP with the 1-byte MKI (MS-SSRTP §2.2.2,
/// "SSRTCP is SRTCP") through libsrtp, which does implement that part.
final class SSRTPSender: SenderTransform {
    private let context: SSRTPContext
    private let rtcp: LibsrtpSession

    init(keys: [MasterKey], initialESN: UInt64) throws(SynthesisError) {
        let ownKeys = keys.map {
            Transforms.MasterKey(
                key: Array($0.keyAndSalt.prefix(16)), salt: Array($0.keyAndSalt.dropFirst(16)), mki: $0.mki)
        }
        do {
            context = try SSRTPContext(keys: ownKeys, provider: try CryptoProviders.default, initialESN: initialESN)
            rtcp = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: keys)
        } catch {
            throw SynthesisError("SSRTP: \(error)")
        }
    }

    func prepare(ssrc: UInt32, roc: UInt32) throws(SynthesisError) {
        do { try rtcp.addStream(ssrc: ssrc, roc: roc) } catch { throw SynthesisError(error.description) }
    }

    func protect(_ packet: [UInt8], rtcp isRTCP: Bool, keyIndex: Int, roc: UInt32, index: UInt64) throws(SynthesisError)
        -> [UInt8]
    {
        if isRTCP {
            do { return try rtcp.protect(packet, rtcp: true, keyIndex: keyIndex) } catch {
                throw SynthesisError(error.description)
            }
        }
        do { return try context.protect(packet, roc: roc, keyIndex: keyIndex) } catch {
            throw SynthesisError("SSRTP: \(error)")
        }
    }
}
