import KataConfig
import KataCore
import Testing

/// Lookup order with temporary files and an injected environment (no setenv: tests run in parallel).
@Suite struct LookupOrderTests {
    /// Creates the candidate files named in `existing` under `dir` and returns the environment
    /// whose two default paths are `dir/etc.toml` and `dir/share.toml`.
    private func setUp(_ dir: String, existing: [String], kataConfFile: String? = nil) throws
        -> ConfigLookupEnvironment
    {
        for name in existing { try write(minimalConfig, to: name, in: dir) }
        var variables = ["PATH": "/usr/bin"]
        if let kataConfFile { variables["KATA_CONF_FILE"] = "\(dir)/\(kataConfFile)" }
        return ConfigLookupEnvironment(
            variables: variables, defaultPaths: ["\(dir)/etc.toml", "\(dir)/share.toml"])
    }

    @Test func runtimeOrder() throws {
        try withTemporaryDirectory { dir in
            let all = ["cli.toml", "env.toml", "etc.toml", "share.toml"]
            var environment = try setUp(dir, existing: all, kataConfFile: "env.toml")
            var loaded = try ConfigurationLoader.loadForRuntime(
                explicitPath: "\(dir)/cli.toml", environment: environment)
            #expect(loaded.path == "\(dir)/cli.toml" && loaded.source == .commandLine)
            loaded = try ConfigurationLoader.loadForRuntime(explicitPath: nil, environment: environment)
            #expect(loaded.path == "\(dir)/env.toml" && loaded.source == .environment)
            environment.variables["KATA_CONF_FILE"] = nil
            loaded = try ConfigurationLoader.loadForRuntime(explicitPath: nil, environment: environment)
            #expect(loaded.path == "\(dir)/etc.toml" && loaded.source == .defaultPath)
        }
    }

    @Test func firstExistingDefaultWins() throws {
        try withTemporaryDirectory { dir in
            let environment = try setUp(dir, existing: ["share.toml"])
            let loaded = try ConfigurationLoader.loadForRuntime(explicitPath: nil, environment: environment)
            #expect(loaded.path == "\(dir)/share.toml" && loaded.source == .defaultPath)
        }
    }

    @Test func shimOrder() throws {
        try withTemporaryDirectory { dir in
            let all = ["annotation.toml", "option.toml", "env.toml", "etc.toml", "share.toml"]
            let environment = try setUp(dir, existing: all, kataConfFile: "env.toml")
            let annotations = ["io.katacontainers.config_path": "\(dir)/annotation.toml"]
            // The shim's own file must allow the annotated one (ConfigPathAnnotationTests).
            let option = try write(
                minimalConfig + "[runtime]\nvalid_config_paths = [\"\(dir)/annotation.toml\"]\n",
                to: "option.toml", in: dir)
            var loaded = try ConfigurationLoader.loadForShim(
                annotations: annotations, shimConfigPath: option, environment: environment)
            #expect(loaded.path == "\(dir)/annotation.toml" && loaded.source == .annotation)
            loaded = try ConfigurationLoader.loadForShim(
                annotations: [:], shimConfigPath: option, environment: environment)
            #expect(loaded.path == option && loaded.source == .shimOption)
            loaded = try ConfigurationLoader.loadForShim(
                annotations: [:], shimConfigPath: "", environment: environment)
            #expect(loaded.path == "\(dir)/env.toml" && loaded.source == .environment)
            let noEnvironment = ConfigLookupEnvironment(
                variables: [:], defaultPaths: environment.defaultPaths)
            loaded = try ConfigurationLoader.loadForShim(
                annotations: [:], shimConfigPath: nil, environment: noEnvironment)
            #expect(loaded.path == "\(dir)/etc.toml" && loaded.source == .defaultPath)
        }
    }

    @Test func explicitPathThatDoesNotExistIsAnError() throws {
        try withTemporaryDirectory { dir in
            let environment = try setUp(dir, existing: ["etc.toml"], kataConfFile: "missing-env.toml")
            let cli = expectKataError(.notFound) {
                _ = try ConfigurationLoader.loadForRuntime(
                    explicitPath: "\(dir)/typo.toml", environment: environment)
            }
            #expect(cli == "configuration file \(dir)/typo.toml (from --config) does not exist")
            let env = expectKataError(.notFound) {
                _ = try ConfigurationLoader.loadForRuntime(explicitPath: nil, environment: environment)
            }
            #expect(env == "configuration file \(dir)/missing-env.toml (from KATA_CONF_FILE) does not exist")
        }
    }

    @Test func noFileAnywhereIsAnError() throws {
        try withTemporaryDirectory { dir in
            let environment = try setUp(dir, existing: [])
            let message = expectKataError(.notFound) {
                _ = try ConfigurationLoader.loadForRuntime(explicitPath: nil, environment: environment)
            }
            #expect(message == "no configuration file found; looked at: \(dir)/etc.toml, \(dir)/share.toml")
        }
    }

    @Test func systemDefaultsAreUpstreams() {
        #expect(
            ConfigurationLoader.defaultPaths == [
                "/etc/kata-containers/configuration.toml",
                "/usr/share/defaults/kata-containers/configuration.toml",
            ])
        #expect(ConfigLookupEnvironment(variables: [:]).defaultPaths == ConfigurationLoader.defaultPaths)
    }
}
