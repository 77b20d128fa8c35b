import KataCore
import Logging

/// A configuration as loaded: where it came from, the drop-ins applied, the settings, and the
/// keys that were not recognised.
public struct LoadedConfiguration: Sendable {
    public let path: String
    public let source: ConfigPathSource
    /// Drop-in fragments applied after the main file, in order.
    public let dropIns: [String]
    public let configuration: KataConfiguration
    public let warnings: [ConfigWarning]
}

/// Finds and loads `configuration.toml` the way upstream Kata does.
public enum ConfigurationLoader {
    /// Default files in lookup order, as upstream (`--show-default-config-paths` prints these).
    public static let defaultPaths = [
        "/etc/kata-containers/configuration.toml",
        "/usr/share/defaults/kata-containers/configuration.toml",
    ]
    public static let environmentVariable = "KATA_CONF_FILE"
    public static let configPathAnnotation = "io.katacontainers.config_path"

    /// kata-runtime: `--config`, then `KATA_CONF_FILE`, then the default paths.
    public static func loadForRuntime(
        explicitPath: String?, environment: ConfigLookupEnvironment = .current(),
        logger: Logger = Logger(label: "kata.config")
    ) throws -> LoadedConfiguration {
        let resolved = try ConfigPathResolver.resolve(
            explicit: [(explicitPath, .commandLine)], environment: environment)
        return try load(resolved, logger: logger)
    }

    /// Shim: its own configuration comes from the runtime options' ConfigPath, `KATA_CONF_FILE`,
    /// then the default paths. A pod's `io.katacontainers.config_path` annotation may replace
    /// it only with a file that the shim's own configuration allows in
    /// `[runtime] valid_config_paths` (pod specs are untrusted: no other file on the host is
    /// ever read). The pod's `io.katacontainers.config.*` annotations are then applied as far
    /// as the chosen configuration allows.
    /// `kata-runtime measure --config` plans as the shim does and passes `source: .commandLine`
    /// so that errors name the option it came from.
    public static func loadForShim(
        annotations: [String: String], shimConfigPath: String?, source: ConfigPathSource = .shimOption,
        environment: ConfigLookupEnvironment = .current(), logger: Logger = Logger(label: "kata.config")
    ) throws -> LoadedConfiguration {
        var loaded = try load(
            ConfigPathResolver.resolve(explicit: [(shimConfigPath, source)], environment: environment),
            logger: logger)
        if let requested = annotations[configPathAnnotation], !requested.isEmpty {
            let allowed = loaded.configuration.runtime.validConfigPaths
            if let problem = AnnotationPolicy.pathProblem(requested, globs: allowed) {
                throw KataError(
                    .invalidConfig,
                    "annotation \(configPathAnnotation): \(problem) in runtime.valid_config_paths of \(loaded.path)"
                )
            }
            loaded = try load(
                ConfigPathResolver.resolve(explicit: [(requested, .annotation)], environment: environment),
                logger: logger)
        }
        return LoadedConfiguration(
            path: loaded.path, source: loaded.source, dropIns: loaded.dropIns,
            configuration: try loaded.configuration.applyingAnnotations(annotations),
            warnings: loaded.warnings)
    }

    /// Loads a chosen file and its `config.d/` drop-ins; unknown keys are logged as warnings.
    public static func load(
        _ resolved: ResolvedConfigPath, logger: Logger = Logger(label: "kata.config")
    ) throws -> LoadedConfiguration {
        let fragments = try DropIns.fragments(beside: resolved.path)
        var configuration = KataConfiguration()
        var warnings: [ConfigWarning] = []
        var hasQEMU = try configuration.apply(ConfigDocument.read(resolved.path), warnings: &warnings)
        for fragment in fragments {
            hasQEMU = try configuration.apply(ConfigDocument.read(fragment), warnings: &warnings) || hasQEMU
        }
        guard hasQEMU else {
            throw KataError(.invalidConfig, "\(resolved.path): no [hypervisor.qemu] table")
        }
        let origin =
            fragments.isEmpty
            ? resolved.path : "\(resolved.path) with \(DropIns.directory(beside: resolved.path))/*.toml"
        try configuration.validate(origin: origin)
        for warning in warnings {
            logger.warning(
                "unknown configuration key ignored",
                metadata: ["file": .string(warning.file), "key": .string(warning.key)])
        }
        return LoadedConfiguration(
            path: resolved.path, source: resolved.source, dropIns: fragments, configuration: configuration,
            warnings: warnings)
    }
}
