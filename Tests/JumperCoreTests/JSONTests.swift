import JumperCore
import Testing

@Suite struct JSONTests {
    @Test func parsesNestedDocument() throws {
        let value = try JSON.parse(#"{"a": [1, 2.5, true, null], "b": {"c": "d"}}"#)
        #expect(value["a"] == [1, 2.5, true, nil])
        #expect(value["b"]?["c"]?.stringValue == "d")
    }

    @Test func keepsObjectKeyOrder() throws {
        let value = try JSON.parse(#"{"z": 1, "a": 2, "m": 3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.serializedString() == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func decodesEscapesAndSurrogates() throws {
        let value = try JSON.parse(#""caf\u00e9 \ud83c\udfac \"q\" \\ \/ \n""#)
        #expect(value.stringValue == "café 🎬 \"q\" \\ / \n")
    }

    @Test func roundTripsUnicodeAndControlCharacters() throws {
        let original: JSON = ["path": "/media/東京 🎬/a\u{01}b\tc.mp4", "n": -12.75]
        let parsed = try JSON.parse(original.serialized())
        #expect(parsed == original)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2", "{\"a\":1,}", "\"\\x\"", "nan"])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func writesIntegersWithoutFraction() {
        #expect(JSON.number(42).serializedString() == "42")
        #expect(JSON.number(0.5).serializedString() == "0.5")
        #expect(JSON(Double.nan).serializedString() == "null")
    }

    @Test func readsIntegerOnlyFromIntegralNumbers() {
        #expect(JSON.number(3).intValue == 3)
        #expect(JSON.number(3.5).intValue == nil)
        #expect(JSON.string("3").intValue == nil)
    }

    @Test func removesObjectKeys() {
        var object = JSONObject()
        object["a"] = 1
        object["b"] = 2
        object["a"] = nil
        #expect(object.keys == ["b"])
        #expect(object.count == 1)
    }
}
