import Foundation
import Testing

@testable import Output

@Suite struct JSONWriterTests {
    /// The writer's output must be valid JSON that Foundation's parser reads back to the same values.
    @Test func nestedValuesRoundTripThroughFoundation() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("frame"); w.value(42)
        w.key("negative"); w.value(-7)
        w.key("big"); w.value(UInt64.max)
        w.key("ok"); w.value(true)
        w.key("no"); w.value(false)
        w.key("none"); w.null()
        w.key("ssrc"); w.hexValue(0xDEAD_BEEF, width: 8)
        w.key("small"); w.hexValue(0x1, width: 4)
        w.key("bytes"); w.hexBytes([0x00, 0xAB, 0xFF])
        w.key("mac"); w.macValue(0x0200_0000_00AB)
        w.key("ip"); w.ipv4Value(0xC000_0201)
        w.key("endpoint"); w.ipv4EndpointValue(0x0A01_0101, port: 10000)
        w.key("when"); w.iso8601Value(seconds: 1_363_359_600, nanoseconds: 5)
        w.key("before1970"); w.iso8601Value(seconds: -1, nanoseconds: 999_999_999)
        w.key("rel"); w.secondsValue(12, nanoseconds: 340_000_000)
        w.key("text"); w.value("quote\" backslash\\ newline\n tab\t bell\u{07} é")
        w.key("list")
        w.beginArray()
        w.value(1)
        w.beginObject(); w.key("a"); w.value("b"); w.endObject()
        w.beginArray(); w.endArray()
        w.endArray()
        w.key("ratio"); w.value(0.5)
        w.endObject()

        let parsed = try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any]
        let obj = try #require(parsed)
        #expect(obj["frame"] as? Int == 42)
        #expect(obj["negative"] as? Int == -7)
        #expect((obj["big"] as? NSNumber)?.uint64Value == UInt64.max)
        #expect(obj["ok"] as? Bool == true)
        #expect(obj["no"] as? Bool == false)
        #expect(obj["none"] is NSNull)
        #expect(obj["ssrc"] as? String == "0xdeadbeef")
        #expect(obj["small"] as? String == "0x0001")
        #expect(obj["bytes"] as? String == "00abff")
        #expect(obj["mac"] as? String == "02:00:00:00:00:ab")
        #expect(obj["ip"] as? String == "192.0.2.1")
        #expect(obj["endpoint"] as? String == "10.1.1.1:10000")
        // 1363359600 = 2013-03-15T15:00:00Z (the marseillaise capture's first frame).
        #expect(obj["when"] as? String == "2013-03-15T15:00:00.000000005Z")
        #expect(obj["before1970"] as? String == "1969-12-31T23:59:59.999999999Z")
        #expect(obj["rel"] as? String == "12.340000000")
        #expect(obj["text"] as? String == "quote\" backslash\\ newline\n tab\t bell\u{07} é")
        let list = try #require(obj["list"] as? [Any])
        #expect(list.count == 3)
        #expect((list[1] as? [String: String])?["a"] == "b")
        #expect(obj["ratio"] as? Double == 0.5)
    }

    @Test func resetKeepsNothingButCapacity() {
        var w = JSONWriter()
        w.beginArray(); w.value(1); w.endArray()
        w.reset()
        w.beginArray(); w.value(2); w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[2]")
    }

    @Test func nonFiniteDoublesBecomeNull() {
        var w = JSONWriter()
        w.beginArray(); w.value(Double.nan); w.value(Double.infinity); w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[null,null]")
    }
}
