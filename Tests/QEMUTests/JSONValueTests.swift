import KataCore
import Testing

@testable import QEMU

@Suite struct JSONValueTests {
    @Test func parsesAndRendersInOrder() throws {
        let text = #"{"b": [1, -2, 3.5, true, false, null], "a": "x\"y\\z\n\u00e9\ud83d\ude00", "c": {}}"#
        let value = try JSONValue.parse(text)
        guard case .object(let object) = value else {
            Issue.record("expected object")
            return
        }
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == .array([.int(1), .int(-2), .double(3.5), .bool(true), .bool(false), .null]))
        #expect(object["a"] == .string("x\"y\\z\né😀"))
        #expect(value.jsonText == #"{"b":[1,-2,3.5,true,false,null],"a":"x\"y\\z\né😀","c":{}}"#)
        #expect(try JSONValue.parse(value.jsonText) == value)
        #expect(JSONValue.string("\u{01}").jsonText == #""\u0001""#)
        #expect(try JSONValue.parse("18446744073709551615") == .double(18_446_744_073_709_551_615))
    }

    @Test func rejectsMalformedInputWithOffset() {
        let cases = [
            "", "{", #"{"a" 1}"#, "[1,]", #""abc"#, "tru", "01x", #"{"a":1} x"#, #""\q""#, #""\ud800""#,
            "1e999",
            String(repeating: "[", count: 200),
        ]
        for text in cases {
            #expect(throws: KataError.self, "\(text)") { try JSONValue.parse(text) }
            do {
                _ = try JSONValue.parse(text)
            } catch let error as KataError {
                #expect(error.code == .malformedInput)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func objectKeepsFirstPositionOnUpdateAndRemoves() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(JSONValue.object(object).jsonText == #"{"a":3,"c":4}"#)
    }
}
