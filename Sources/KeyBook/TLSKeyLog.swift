import Capture

/// A TLS key log in the NSS format (`SSLKEYLOGFILE`, written by browsers, NSS, OpenSSL's
/// `SSL_CTX_set_keylog_callback` and `-keylogfile`, and many SBCs): one secret per line,
/// `LABEL <client_random hex> <secret hex>`, `#` comments.
///
/// Only `CLIENT_RANDOM` (the 48-byte master secret of TLS 1.2 and earlier, DTLS 1.0 and 1.2; with
/// extended master secret, RFC 7627, the logged secret is already the extended one) keys DTLS-SRTP.
/// TLS 1.3 labels (`CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `EXPORTER_SECRET`, …) and `RSA` lines are
/// recognised and set aside with a note; anything else malformed is a warning naming the line.
public struct TLSKeyLog: Sendable {
    public struct Secret: Hashable, Sendable {
        public var masterSecret: [UInt8]
        /// The file and the 1-based line in it.
        public var path: String
        public var line: Int
    }

    /// The file name as given (for sources and diagnostics).
    public var path: String
    /// Master secrets by client random (32 bytes).
    public var secrets: [[UInt8]: Secret] = [:]
    public var diagnostics: [Diagnostic] = []

    static let tls13Labels: Set<String> = [
        "CLIENT_EARLY_TRAFFIC_SECRET", "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EARLY_EXPORTER_SECRET", "EXPORTER_SECRET",
        "EARLY_EXPORTER_MASTER_SECRET", "EXPORTER_MASTER_SECRET",
    ]

    public init(path: String) { self.path = path }

    /// Several key logs as one (`--tls-keylog` is repeatable): a later file's line wins for a client
    /// random given twice.
    public static func merged(_ logs: [TLSKeyLog]) -> TLSKeyLog? {
        guard var out = logs.first else { return nil }
        for l in logs.dropFirst() {
            out.path += ", " + l.path
            out.secrets.merge(l.secrets) { _, new in new }
            out.diagnostics += l.diagnostics
        }
        return out
    }

    /// Reads and parses the file. Throws only when it cannot be read.
    public static func read(path: String) throws(KeyInputError) -> TLSKeyLog {
        switch FileBytes.read(path) {
        case .success(let bytes): return parse(bytes, path: path)
        case .failure(let p): throw KeyInputError(option: "--tls-keylog", position: path, p.message)
        }
    }

    /// Parses key-log text; problems become diagnostics, never errors.
    public static func parse(_ bytes: [UInt8], path: String) -> TLSKeyLog {
        var log = TLSKeyLog(path: path)
        var tls13 = 0
        var firstTLS13 = 0
        for (i, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let n = i + 1
            let text = String(decoding: raw, as: UTF8.self).trimmingAny(of: " \t\r")
            if text.isEmpty || text.hasPrefix("#") { continue }
            let f = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            func warn(_ m: String) {
                log.diagnostics.append(
                    Diagnostic(.warning, code: KeyBookCode.tlsKeyLog, field: "--tls-keylog \(path) line \(n)", m))
            }
            let label = String(f[0])
            if tls13Labels.contains(label) {
                tls13 += 1
                if firstTLS13 == 0 { firstTLS13 = n }
                continue
            }
            if label == "RSA" {
                log.diagnostics.append(
                    Diagnostic(
                        .note, code: KeyBookCode.tlsKeyLog, field: "--tls-keylog \(path) line \(n)",
                        "RSA pre-master secret lines are not used (DTLS-SRTP needs the CLIENT_RANDOM master secret)"))
                continue
            }
            guard label == "CLIENT_RANDOM" else {
                warn("unknown label \"\(label.prefix(40))\"; expected CLIENT_RANDOM <64 hex digits> <96 hex digits>")
                continue
            }
            guard f.count == 3 else {
                warn("CLIENT_RANDOM needs 2 fields (client random, master secret), found \(f.count - 1)")
                continue
            }
            guard let random = Hex.decode(f[1]), random.count == 32 else {
                warn("client random is not 64 hex digits (32 bytes)")
                continue
            }
            guard let secret = Hex.decode(f[2]), secret.count == 48 else {
                warn("master secret is not 96 hex digits (48 bytes)")
                continue
            }
            if let old = log.secrets[random], old.masterSecret != secret {
                warn("client random already given a different master secret on line \(old.line); this line wins")
            }
            log.secrets[random] = Secret(masterSecret: secret, path: path, line: n)
        }
        if tls13 > 0 {
            log.diagnostics.append(
                Diagnostic(
                    .note, code: KeyBookCode.tlsKeyLog, field: "--tls-keylog \(path) line \(firstTLS13)",
                    "\(tls13) TLS 1.3 secret line(s) set aside: DTLS-SRTP keys here come from DTLS 1.0/1.2 master secrets"
                ))
        }
        return log
    }
}

/// Hex digits, both cases, no separators.
enum Hex {
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        func v(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 65...70: c - 55
            case 97...102: c - 87
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = v(u[i]), let lo = v(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

extension String {
    func trimmingAny(of set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let c = s.first, chars.contains(c) { s = s.dropFirst() }
        while let c = s.last, chars.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
