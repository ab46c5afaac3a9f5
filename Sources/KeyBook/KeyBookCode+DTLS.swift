/// Diagnostic codes of the key sources added for DTLS-SRTP and media-server logs.
extension KeyBookCode {
    /// A line of a `--tls-keylog` file that cannot be used.
    public static let tlsKeyLog = "keybook.tls-keylog"
    /// A line of a `--dtls-srtp-material` file that cannot be used.
    public static let dtlsSRTPMaterial = "keybook.dtls-srtp-material"
    /// `--keys-from-log`: what was found (a note) or nothing found (a warning).
    public static let keyLog = "keybook.key-log"
}
