@testable import QEMU

/// QMP as QEMU's socket delivers it: the input goes through the JSON parser on its own (a parsed
/// value must survive rendering and reparsing unchanged) and then, cut into pieces, through the
/// client's state machine, which executes two commands once negotiation completes so that
/// replies can match pending ids.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQMPMessages(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = fuzzBytes(data, count)
    if let value = try? JSONValue.parse(input) {
        let again = try? JSONValue.parse(value.jsonText)
        invariant(again == value, "JSON does not survive rendering: \(value.jsonText)")
    }
    var machine = QMPStateMachine()
    let piece = Int(input.first ?? 0) % 64 + 1
    var offset = 0
    while offset < input.count {
        for action in machine.receive(input[offset..<min(input.count, offset + piece)]) {
            if case .ready = action {
                _ = try? machine.execute("query-status")
                _ = try? machine.execute("cont", arguments: ["x": .int(1)])
            }
        }
        offset += piece
    }
    _ = machine.connectionClosed(.qmpClosed("fuzz input ended"))
    invariant(machine.pending.isEmpty, "commands left pending after the connection closed")
    return 0
}
