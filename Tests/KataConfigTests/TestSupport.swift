import Foundation
import KataConfig
import KataCore
import Testing

/// A unique temporary directory, removed when `body` returns or throws.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("kata-config-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Writes `text` to `directory/name` (creating parent directories) and returns the path.
@discardableResult
func write(_ text: String, to name: String, in directory: String) throws -> String {
    let path = "\(directory)/\(name)"
    let parent = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The smallest valid configuration: a QEMU table with an initrd.
let minimalConfig = """
    [hypervisor.qemu]
    initrd = "/usr/share/kata-containers/kata-containers-initrd.img"

    """

/// Loads `path` as `kata-runtime --config path` would, with no environment and no defaults.
func loadFile(_ path: String) throws -> LoadedConfiguration {
    try ConfigurationLoader.loadForRuntime(
        explicitPath: path, environment: ConfigLookupEnvironment(variables: [:], defaultPaths: []))
}

/// Runs `body`, expects a KataError with `code`, and returns its message ("" when none was thrown).
func expectKataError(
    _ code: KataError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> String {
    do {
        try body()
        Issue.record("expected KataError(.\(code)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as KataError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected KataError, got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}
