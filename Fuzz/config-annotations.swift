@testable import KataConfig

/// Configuration from outside: the input up to its first NUL is a configuration.toml applied as
/// the loader applies a file; the rest is `name=value` lines applied as pod annotations on a
/// configuration that enables every annotation (so the value parsers are reached).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigAnnotations(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = fuzzBytes(data, count)
    let split = input.firstIndex(of: 0) ?? input.count
    if let text = String(validating: input[..<split], as: UTF8.self),
        let document = try? ConfigDocument.parse(text, file: "fuzz.toml")
    {
        var configuration = KataConfiguration()
        var warnings: [ConfigWarning] = []
        if (try? configuration.apply(document, warnings: &warnings)) != nil {
            _ = try? configuration.validate(origin: "fuzz.toml")
        }
    }
    var annotations: [String: String] = [:]
    let rest = String(decoding: input[min(split + 1, input.count)...], as: UTF8.self)
    for line in rest.split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        annotations[KataConfiguration.annotationPrefix + parts[0]] = parts.count > 1 ? String(parts[1]) : ""
    }
    var base = KataConfiguration()
    base.hypervisor.enableAnnotations = [".*"]
    base.hypervisor.initrd = "/initrd.img"
    base.hypervisor.validKernelPaths = ["/*"]
    _ = try? base.applyingAnnotations(annotations)
    return 0
}
