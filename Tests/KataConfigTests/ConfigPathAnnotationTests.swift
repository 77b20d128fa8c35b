import KataConfig
import KataCore
import Testing

/// `io.katacontainers.config_path` comes from an untrusted pod spec: the shim honours it only
/// for files its own configuration lists in `[runtime] valid_config_paths`.
@Suite struct ConfigPathAnnotationTests {
    static let key = "io.katacontainers.config_path"

    /// The shim's own configuration (the runtime options' ConfigPath) allowing `globs`, and an
    /// alternative file `pods/alt.toml` with a different vCPU count to tell them apart.
    func setUp(_ dir: String, globs: [String]) throws -> String {
        let list = globs.map { "\"\($0)\"" }.joined(separator: ", ")
        try write(minimalConfig + "default_vcpus = 3\n", to: "pods/alt.toml", in: dir)
        return try write(
            minimalConfig + "default_vcpus = 1\n[runtime]\nvalid_config_paths = [\(list)]\n", to: "own.toml",
            in: dir)
    }

    func load(_ dir: String, own: String, annotation: String) throws -> LoadedConfiguration {
        try ConfigurationLoader.loadForShim(
            annotations: [Self.key: annotation], shimConfigPath: own,
            environment: ConfigLookupEnvironment(variables: [:], defaultPaths: []))
    }

    @Test func allowedPathIsLoaded() throws {
        try withTemporaryDirectory { dir in
            let own = try setUp(dir, globs: ["\(dir)/pods/*.toml"])
            let loaded = try load(dir, own: own, annotation: "\(dir)/pods/alt.toml")
            #expect(loaded.path == "\(dir)/pods/alt.toml" && loaded.source == .annotation)
            #expect(loaded.configuration.hypervisor.defaultVCPUs == 3)
        }
    }

    @Test func withoutAnnotationTheShimsOwnFileIsUsed() throws {
        try withTemporaryDirectory { dir in
            let own = try setUp(dir, globs: [])
            let loaded = try ConfigurationLoader.loadForShim(
                annotations: [:], shimConfigPath: own,
                environment: ConfigLookupEnvironment(variables: [:], defaultPaths: []))
            #expect(loaded.path == own && loaded.configuration.hypervisor.defaultVCPUs == 1)
        }
    }

    @Test func nothingIsAllowedByDefault() throws {
        try withTemporaryDirectory { dir in
            let own = try setUp(dir, globs: [])
            let message = expectKataError(.invalidConfig) {
                _ = try load(dir, own: own, annotation: "\(dir)/pods/alt.toml")
            }
            #expect(message.contains(Self.key) && message.contains("valid_config_paths"), "\(message)")
        }
    }

    @Test func pathsOutsideTheGlobsAreRefused() throws {
        try withTemporaryDirectory { dir in
            let own = try setUp(dir, globs: ["\(dir)/pods/*.toml"])
            try write(minimalConfig, to: "elsewhere.toml", in: dir)
            for refused in [
                "\(dir)/elsewhere.toml",  // exists, but not allowed
                "\(dir)/pods/../elsewhere.toml",  // `..` never matches
                "\(dir)/pods/sub/alt.toml",  // `*` stays within one directory
                "/etc/passwd", "pods/alt.toml",
            ] {
                let message = expectKataError(.invalidConfig) {
                    _ = try load(dir, own: own, annotation: refused)
                }
                #expect(message.contains(Self.key), "\(refused): \(message)")
            }
        }
    }

    @Test func anAllowedButMissingFileIsNotFound() throws {
        try withTemporaryDirectory { dir in
            let own = try setUp(dir, globs: ["\(dir)/pods/*.toml"])
            _ = expectKataError(.notFound) {
                _ = try load(dir, own: own, annotation: "\(dir)/pods/none.toml")
            }
        }
    }
}
