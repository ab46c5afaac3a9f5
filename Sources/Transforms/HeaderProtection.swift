/// Header protection as WebRTC negotiates it: RFC 9335 cryptex and RFC 6904 encrypted extension elements.
enum HeaderProtection {
    /// RFC 9335 §5.1: the extension profiles that mark a cryptex packet, and the profiles they stand for.
    static let cryptexOneByte: UInt16 = 0xC0DE
    static let cryptexTwoByte: UInt16 = 0xC2DE
    static let oneByte: UInt16 = 0xBEDE
    static let twoByte: UInt16 = 0x1000

    static func isCryptex(_ profile: UInt16?) -> Bool {
        profile == cryptexOneByte || profile == cryptexTwoByte
    }

    /// RFC 9335 §6: the encrypted part is the CSRC list, then the extension body, then the payload, as
    /// one stream. Moving the 4-byte extension header in front of the CSRC list makes that part contiguous
    /// (and the fixed header plus extension header contiguous, the AAD of the AEAD suites); `restore`
    /// puts it back. Offsets come from a validated `RTPHeaderLayout`.
    static func moveExtensionHeaderFirst(_ p: UnsafeMutableRawBufferPointer, _ h: RTPHeaderLayout) {
        guard h.csrcCount > 0 else { return }
        let ext = h.extensionOffset
        let saved = (p[ext], p[ext + 1], p[ext + 2], p[ext + 3])
        var i = ext - 1
        while i >= 12 {
            p[i + 4] = p[i]
            i -= 1
        }
        (p[12], p[13], p[14], p[15]) = saved
    }

    static func restoreExtensionHeader(_ p: UnsafeMutableRawBufferPointer, _ h: RTPHeaderLayout) {
        guard h.csrcCount > 0 else { return }
        let saved = (p[12], p[13], p[14], p[15])
        for i in 12..<h.extensionOffset { p[i] = p[i + 4] }
        let ext = h.extensionOffset
        (p[ext], p[ext + 1], p[ext + 2], p[ext + 3]) = saved
    }

    /// RFC 6904 §4.1: visits the data bytes of the one-byte (RFC 8285 §4.2) or two-byte (§4.3) elements
    /// whose ID is in `ids`, as offsets into the extension body. Stops quietly at a malformed element
    /// (the bytes after it are then left alone) and at an ID of 15 in the one-byte form.
    static func forEachEncryptedByte(
        _ p: UnsafeRawBufferPointer, _ h: RTPHeaderLayout, ids: Set<UInt8>, _ body: (Int) -> Void
    ) {
        guard h.hasExtension, !ids.isEmpty else { return }
        let profile = p.be16(h.extensionOffset)
        let start = h.extensionOffset + 4
        let end = start + h.extensionBodyLength
        var o = start
        if profile == oneByte {
            while o < end {
                let id = p[o] >> 4
                if id == 0 {
                    o += 1
                    continue
                }
                if id == 15 { return }
                let n = Int(p[o] & 0x0F) + 1
                guard o + 1 + n <= end else { return }
                if ids.contains(id) { for k in 0..<n { body(o + 1 + k - start) } }
                o += 1 + n
            }
        } else if profile & 0xFFF0 == twoByte {
            while o < end {
                let id = p[o]
                if id == 0 {
                    o += 1
                    continue
                }
                guard o + 2 <= end else { return }
                let n = Int(p[o + 1])
                guard o + 2 + n <= end else { return }
                if ids.contains(id) { for k in 0..<n { body(o + 2 + k - start) } }
                o += 2 + n
            }
        }
    }
}
