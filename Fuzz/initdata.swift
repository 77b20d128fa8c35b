import Firmware

@testable import Initdata

/// Initdata from outside (a pod's annotation, the host's disk in the guest): the input as the
/// decompressed TOML document (the strict subset parser, then the document rules), as gzip
/// bytes (bounded inflate), as the annotation text, and as a disk header. A document accepted
/// and written back with basic strings must parse to the same document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInitdata(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = fuzzBytes(data, count)
    if let toml = try? InitdataTOML.parse(input), let document = try? InitdataDocument(toml) {
        for entry in document.entries {
            invariant(InitdataDocument.entryNameProblem(entry.name) == nil, "accepted entry name \(entry.name)")
        }
        let rewritten = rendered(document)
        let again = try? InitdataDocument(InitdataTOML.parse(Array(rewritten.utf8)))
        invariant(again == document, "re-rendered document differs: \(rewritten)")
    }
    _ = try? Initdata(gzip: input, origin: "fuzz")
    _ = try? Initdata(annotation: String(decoding: input, as: UTF8.self))
    _ = InitdataDisk.claimedLength(header: input)
    return 0
}

private func rendered(_ document: InitdataDocument) -> String {
    var text = "version = \"0.1.0\"\nalgorithm = \"\(document.algorithm.rawValue)\"\n[data]\n"
    for entry in document.entries { text += "\(basic(entry.name)) = \(basic(entry.contents))\n" }
    return text
}

/// A TOML basic string: every control character, quote and backslash escaped.
private func basic(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7f:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
