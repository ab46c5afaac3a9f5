import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A UDP relay on loopback that records every datagram it forwards: the test's "capture" of a real
/// DTLS handshake between `openssl s_client` and `s_server`, without root or tcpdump. The client
/// talks to `port`; the relay talks to the server from a second socket.
final class UDPRelay: @unchecked Sendable {
    // @unchecked Sendable: `datagrams` and `stopped` are guarded by `lock`; the sockets are only used
    // by the relay thread after init, and closed after it ended.
    struct Datagram {
        var fromClient: Bool
        var bytes: [UInt8]
    }

    let port: UInt16
    private let front: Int32
    private let back: Int32
    private let server: sockaddr_in
    private let lock = NSLock()
    private var recorded: [Datagram] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init?(serverPort: UInt16) {
        guard let f = Self.bound(0), let b = Self.bound(0) else { return nil }
        front = f.fd
        back = b.fd
        port = f.port
        server = Self.loopback(serverPort)
        let thread = Thread { [self] in run() }
        thread.start()
    }

    var datagrams: [Datagram] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
        close(front)
        close(back)
    }

    /// A free UDP port on 127.0.0.1 (bound, read back, closed).
    static func freePort() -> UInt16? {
        guard let s = bound(0) else { return nil }
        close(s.fd)
        return s.port
    }

    static func loopback(_ port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return a
    }

    static func bound(_ port: UInt16) -> (fd: Int32, port: UInt16)? {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var a = loopback(port)
        let ok = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &out) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard ok == 0, named == 0 else {
            close(fd)
            return nil
        }
        return (fd, UInt16(bigEndian: out.sin_port))
    }

    private func run() {
        var client: sockaddr_in?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var fds = [
            pollfd(fd: front, events: Int16(POLLIN), revents: 0), pollfd(fd: back, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            lock.lock()
            let stop = stopped
            lock.unlock()
            if stop { break }
            guard poll(&fds, 2, 20) > 0 else { continue }
            if fds[0].revents & Int16(POLLIN) != 0 {
                var from = sockaddr_in()
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                let n = buffer.withUnsafeMutableBytes { b in
                    withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(front, b.baseAddress, b.count, 0, $0, &len)
                        }
                    }
                }
                if n > 0 {
                    client = from
                    record(true, Array(buffer[0..<n]))
                    var to = server
                    _ = buffer.withUnsafeBytes { b in
                        withUnsafePointer(to: &to) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                sendto(back, b.baseAddress, n, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                            }
                        }
                    }
                }
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                let n = buffer.withUnsafeMutableBytes { b in recv(back, b.baseAddress, b.count, 0) }
                if n > 0, var to = client {
                    record(false, Array(buffer[0..<n]))
                    _ = buffer.withUnsafeBytes { b in
                        withUnsafePointer(to: &to) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                sendto(front, b.baseAddress, n, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                            }
                        }
                    }
                }
            }
        }
        done.signal()
    }

    private func record(_ fromClient: Bool, _ bytes: [UInt8]) {
        lock.lock()
        recorded.append(Datagram(fromClient: fromClient, bytes: bytes))
        lock.unlock()
    }
}
