import Crypto
import Transforms

/// Encrypts a sender's RTP and RTCP as MS-RTPME (RFC 3550 §9.1 as Microsoft uses it): DES-CBC with a
/// zero IV over the whole packet, zero-padded to 8 bytes without the P bit, keyed from the `k=`
/// passphrase (Microsoft protocols notes). srtpdump's own transform: libsrtp has no RTPME.
final class RTPMESender: SenderTransform {
    private let context: RTPMEContext
    private let reading: RTPMEKey.Reading

    init(passphrase: String, reading: String) throws(SynthesisError) {
        guard let r = RTPMEKey.Reading(rawValue: reading) else { throw SynthesisError("rtpme.reading \(reading)") }
        self.reading = r
        do { context = try RTPMEContext(base64Passphrase: passphrase, provider: try CryptoProviders.default) } catch {
            throw SynthesisError("RTPME: \(error)")
        }
    }

    func prepare(ssrc: UInt32, roc: UInt32) throws(SynthesisError) {}

    func protect(_ packet: [UInt8], rtcp: Bool, keyIndex: Int, roc: UInt32, index: UInt64) throws(SynthesisError)
        -> [UInt8]
    {
        var buffer = packet + [UInt8](repeating: 0, count: 8)
        do {
            let n = try buffer.withUnsafeMutableBytes {
                try context.protect($0, length: packet.count, reading: reading)
            }
            return Array(buffer[0..<n])
        } catch {
            throw SynthesisError("RTPME: \(error)")
        }
    }
}
