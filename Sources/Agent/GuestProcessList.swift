import KataCore

/// The guest's answer to ListProcesses (format "json"): a JSON array of pids. Read strictly,
/// since the guest is not trusted: digits, commas and brackets only, each pid 1...Int32.max,
/// at most `maxCount` of them.
enum GuestProcessList {
    static let maxCount = 65_536

    static func parse(_ bytes: [UInt8], containerID: String) throws -> [Int32] {
        func bad(_ why: String) -> KataError {
            KataError(.invalidArgument, "ListProcesses of \(containerID): the agent's process_list \(why)")
        }
        let text = bytes.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        guard text.first == UInt8(ascii: "["), text.last == UInt8(ascii: "]") else {
            throw bad("is not a JSON array")
        }
        let body = text.dropFirst().dropLast()
        if body.isEmpty { return [] }
        var pids: [Int32] = []
        for field in body.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard pids.count < maxCount else { throw bad("holds more than \(maxCount) pids") }
            guard !field.isEmpty, field.count <= 10, field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let pid = Int32(String(decoding: field, as: UTF8.self)), pid > 0
            else { throw bad("has an entry that is not a pid") }
            pids.append(pid)
        }
        return pids
    }
}
