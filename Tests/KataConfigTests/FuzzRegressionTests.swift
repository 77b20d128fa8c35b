import Foundation
import KataConfig
import KataCore
import Testing

/// Inputs `make fuzz` found crashing (target config-annotations), replayed as that target feeds
/// them: the part before the first NUL is a configuration file, the rest `name=value` annotation
/// lines. Each must now load or fail with `.invalidConfig`, never stop the process.
@Suite struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz-regressions")

    static var inputs: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()) ?? []
    }

    @Test func fixturesArePresent() {
        #expect(Self.inputs.contains("toml-header-without-key.bin"))
    }

    @Test(arguments: inputs)
    func replay(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(name)))
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        try withTemporaryDirectory { dir in
            let path = "\(dir)/configuration.toml"
            try Data(bytes[..<split]).write(to: URL(fileURLWithPath: path))
            do {
                _ = try loadFile(path)
            } catch let error as KataError {
                #expect(error.code == .invalidConfig, "\(error)")
            }
        }
        var configuration = KataConfiguration()
        configuration.hypervisor.initrd = "/initrd.img"
        configuration.hypervisor.enableAnnotations = [".*"]
        var annotations: [String: String] = [:]
        for line in String(decoding: bytes[min(split + 1, bytes.count)...], as: UTF8.self).split(
            separator: "\n")
        {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            annotations[KataConfiguration.annotationPrefix + parts[0]] =
                parts.count > 1 ? String(parts[1]) : ""
        }
        do {
            _ = try configuration.applyingAnnotations(annotations)
        } catch let error as KataError {
            #expect(error.code == .invalidConfig, "\(error)")
        }
    }

    @Test(arguments: ["[#", "[=x]", "[ #", "[[#]]", "[.a]", "[\n", "x = 1\n\t[,"])
    func headerWithoutKeyIsASyntaxError(_ text: String) throws {
        try withTemporaryDirectory { dir in
            let path = try write(text, to: "configuration.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(path) }
            #expect(message.hasPrefix("\(path): line "))
            #expect(message.hasSuffix("TOML syntax error: a table header must start with a key"))
        }
    }

    @Test func bracketsThatAreNotHeadersStillLoad() throws {
        // A nested array opened on its own line before a comment, and header-like text inside
        // strings, are not headers.
        let text =
            minimalConfig + "kernel_params = \"\"\"\n[# not a header\n\"\"\"\n"
            + "[mystery]\nmatrix = [\n[# a comment\n1],\n]\n"
            + "[agent.kata]\nkernel_modules = [\n  'a', # [#\n  \"[#\",\n]\n"
        try withTemporaryDirectory { dir in
            let loaded = try loadFile(try write(text, to: "configuration.toml", in: dir))
            #expect(loaded.configuration.hypervisor.kernelParams == "[# not a header\n")
            #expect(loaded.configuration.agent.kernelModules == ["a", "[#"])
            #expect(loaded.warnings.map(\.key) == ["mystery"])
        }
    }
}
