import Analysis
import Foundation
import Transforms

/// TEMPORARY, until the key book lands (issue 6 binds keys through `--key`/`--keys`/`--signalling`):
/// the hidden `--x-key [SUITE:]BASE64` option of `decrypt` and `streams`, one SDES `inline:` key‖salt
/// per use (AES_CM_128_HMAC_SHA1_80 unless a suite name is given), offered to every flow and bound by
/// trial. No MKI, lifetime or session parameters. The integrator replaces this file with the key book.
public enum TemporaryManualKeys {
    public struct KeyError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func source(_ specs: [String]) throws -> any KeyCandidateSource {
        guard !specs.isEmpty else { return NoKeyCandidates() }
        var entries: [StaticKeyCandidates.Entry] = []
        for (i, spec) in specs.enumerated() {
            var suite = SRTPSuite.aesCM128HMACSHA1_80
            var text = Substring(spec)
            if let colon = spec.firstIndex(of: ":"), let named = SRTPSuite.named(String(spec[..<colon])) {
                suite = named
                text = spec[spec.index(after: colon)...]
            }
            guard let raw = Data(base64Encoded: String(text)), raw.count == suite.keyLength + suite.saltLength else {
                throw KeyError(
                    description:
                        "--x-key #\(i + 1): not base64 of \(suite.keyLength + suite.saltLength) bytes for \(suite.name)"
                )
            }
            let bytes = [UInt8](raw)
            let key = MasterKey(key: Array(bytes[0..<suite.keyLength]), salt: Array(bytes[suite.keyLength...]))
            let candidate = KeyCandidate(
                id: "--x-key #\(i + 1)", material: .srtp(SRTPPolicy(suite: suite, keys: [key])),
                source: "--x-key #\(i + 1)")
            entries.append(StaticKeyCandidates.Entry(candidate))
        }
        return StaticKeyCandidates(entries: entries)
    }
}
