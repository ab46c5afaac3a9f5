import Crypto
import MallocCounter
import Testing

/// The per-packet methods of both providers allocate nothing once their contexts exist (issue 3: one
/// cipher and one MAC context per stream, re-IV'd or reset per packet). Counted with the per-thread
/// malloc interposer of `Tests/MallocCounter`, which sees the C libraries' own allocations too.
@Suite(.enabled(if: srtpdump_malloc_counter_available() != 0, "needs glibc's malloc interposition (off under AddressSanitizer)"))
struct AllocationTests {
    /// Runs `body` once to warm up (lazy library state), then `times` times while counting.
    static func mallocs(times: Int = 100, _ body: () throws -> Void) rethrows -> Int {
        try body()
        srtpdump_malloc_counter_start()
        defer { _ = srtpdump_malloc_counter_stop() }
        for _ in 0..<times { try body() }
        return srtpdump_malloc_counter_stop()
    }

    @Test("the counter sees an allocation")
    func counterWorks() {
        srtpdump_malloc_counter_start()
        let array = [UInt8](repeating: 1, count: Int.random(in: 100...200))
        let seen = srtpdump_malloc_counter_stop()
        #expect(array.count >= 100)
        #expect(seen >= 1)
    }

    @Test("HMAC-SHA1 reset, update, finalize: no allocation", arguments: CryptoProviders.names)
    func hmac(_ name: String) throws {
        let mac = try CryptoProviders.named(name).makeHMACSHA1(key: [UInt8](repeating: 0x3C, count: 20))
        let packet = UnsafeMutableRawBufferPointer.allocate(byteCount: 172, alignment: 16)
        let digest = UnsafeMutableRawBufferPointer.allocate(byteCount: 20, alignment: 16)
        defer { packet.deallocate(); digest.deallocate() }
        packet.initializeMemory(as: UInt8.self, repeating: 0x5A)
        let count = try Self.mallocs {
            try mac.reset()
            try mac.update(UnsafeRawBufferPointer(packet))
            try mac.update(UnsafeRawBufferPointer(rebasing: packet[0..<4]))
            try mac.finalize(into: digest)
        }
        #expect(count == 0)
    }

    @Test("AES-CTR re-IV and apply: no allocation", arguments: CryptoProviders.names)
    func counterMode(_ name: String) throws {
        let ctr = try CryptoProviders.named(name).makeAESCounterMode(key: [UInt8](repeating: 0x2B, count: 16))
        let iv = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: 160, alignment: 16)
        defer { iv.deallocate(); data.deallocate() }
        iv.initializeMemory(as: UInt8.self, repeating: 0xF0)
        data.initializeMemory(as: UInt8.self, repeating: 0)
        let count = try Self.mallocs {
            iv[15] &+= 1
            try ctr.apply(iv: UnsafeRawBufferPointer(iv), to: data)
        }
        #expect(count == 0)
    }

    @Test("AES-GCM seal and open: no allocation", arguments: CryptoProviders.names)
    func gcm(_ name: String) throws {
        let gcm = try CryptoProviders.named(name).makeAESGCM(key: [UInt8](repeating: 0x2B, count: 16))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 12 + 12 + 160 + 16, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0x11)
        let iv = UnsafeRawBufferPointer(rebasing: buffer[0..<12])
        let aad = UnsafeRawBufferPointer(rebasing: buffer[12..<24])
        let data = UnsafeMutableRawBufferPointer(rebasing: buffer[24..<184])
        let tag = UnsafeMutableRawBufferPointer(rebasing: buffer[184..<200])
        var opened = true
        let count = try Self.mallocs {
            try gcm.seal(iv: iv, aad: aad, data: data, tag: tag)
            opened = try gcm.open(iv: iv, aad: aad, data: data, tag: UnsafeRawBufferPointer(tag)) && opened
        }
        #expect(opened)
        #expect(count == 0)
    }
}
