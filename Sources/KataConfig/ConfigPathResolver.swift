import KataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the configuration file's path came from, in upstream's lookup order.
public enum ConfigPathSource: String, Sendable, Equatable {
    /// The `io.katacontainers.config_path` annotation (shim).
    case annotation
    /// The ConfigPath of containerd's runtime options (shim).
    case shimOption
    /// `kata-runtime --config`.
    case commandLine
    /// The `KATA_CONF_FILE` environment variable.
    case environment
    /// The first existing file of the default paths.
    case defaultPath
}

/// A configuration file chosen by the lookup order.
public struct ResolvedConfigPath: Sendable, Equatable {
    public let path: String
    public let source: ConfigPathSource

    public init(path: String, source: ConfigPathSource) {
        self.path = path
        self.source = source
    }
}

/// What the lookup reads from the process, injectable so tests need neither setenv nor /etc.
public struct ConfigLookupEnvironment: Sendable {
    public var variables: [String: String]
    /// Default files in lookup order (normally `ConfigurationLoader.defaultPaths`).
    public var defaultPaths: [String]

    public init(variables: [String: String], defaultPaths: [String] = ConfigurationLoader.defaultPaths) {
        self.variables = variables
        self.defaultPaths = defaultPaths
    }

    /// The process's environment and the system default paths.
    public static func current() -> ConfigLookupEnvironment {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return ConfigLookupEnvironment(variables: variables)
    }
}

enum ConfigPathResolver {
    /// Upstream's rule: the first explicitly named path wins and must exist (a typo must not
    /// silently fall back to another file); without one, the first default file that exists.
    static func resolve(
        explicit candidates: [(path: String?, source: ConfigPathSource)], environment: ConfigLookupEnvironment
    ) throws -> ResolvedConfigPath {
        let fromEnvironment = environment.variables[ConfigurationLoader.environmentVariable]
        for (path, source) in candidates + [(fromEnvironment, .environment)] {
            guard let path, !path.isEmpty else { continue }
            guard FileSystem.exists(path) else {
                throw KataError(.notFound, "configuration file \(path) (from \(source.label)) does not exist")
            }
            return ResolvedConfigPath(path: path, source: source)
        }
        if let path = environment.defaultPaths.first(where: FileSystem.exists) {
            return ResolvedConfigPath(path: path, source: .defaultPath)
        }
        throw KataError(
            .notFound,
            "no configuration file found; looked at: \(environment.defaultPaths.joined(separator: ", "))")
    }
}

extension ConfigPathSource {
    var label: String {
        switch self {
        case .annotation: "annotation \(ConfigurationLoader.configPathAnnotation)"
        case .shimOption: "the shim's runtime options ConfigPath"
        case .commandLine: "--config"
        case .environment: ConfigurationLoader.environmentVariable
        case .defaultPath: "default path"
        }
    }
}
