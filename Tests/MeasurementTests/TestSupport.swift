import Foundation

/// Paths and helpers shared by the measurement tests.
enum TestSupport {
    /// The package root, three levels above this file.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/MeasurementTests/Fixtures")
    /// The last 4 KiB of an AmdSev OVMF build; see Fixtures/README.md.
    static let ovmfSuffix = fixtures.appendingPathComponent("ovmf_suffix.bin").path
    static let venvPython = packageRoot.appendingPathComponent("build/venv/bin/python3")
    static let distroOVMF = "/usr/share/ovmf/OVMF.fd"
    /// The Debian guest kernel `make kernel` fetches (signed by Debian: it carries a certificate table).
    static let debianKernel = packageRoot.appendingPathComponent("build/kernel/vmlinuz").path
    static let tdxReference = fixtures.appendingPathComponent("tdx_reference.py").path

    /// Runs Fixtures/tdx_reference.py and returns one JSON object per output line.
    static func tdxReference(_ arguments: [String], in directory: URL) throws -> [[String: Any]] {
        let run = try run(venvPython, [tdxReference] + arguments, in: directory)
        guard run.status == 0 else {
            throw ReferenceFailure(message: "tdx_reference.py failed: \(run.error)")
        }
        return try run.output.split(separator: "\n").map {
            guard let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else {
                throw ReferenceFailure(message: "tdx_reference.py printed \($0)")
            }
            return object
        }
    }

    struct ReferenceFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// A fresh directory, removed by the caller with `removeItem`.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "measure-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a program to completion with stdout and stderr captured in files under `directory`.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL) throws -> (
        status: Int32, output: String, error: String
    ) {
        let outputURL = directory.appendingPathComponent("stdout-\(UUID().uuidString)")
        let errorURL = directory.appendingPathComponent("stderr-\(UUID().uuidString)")
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)
        let output = try FileHandle(forWritingTo: outputURL)
        let error = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? error.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = error
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, try String(contentsOf: outputURL, encoding: .utf8),
            try String(contentsOf: errorURL, encoding: .utf8)
        )
    }
}
