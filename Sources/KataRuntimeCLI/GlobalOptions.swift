import ArgumentParser
import KataConfig
import Logging

/// Options every `kata-runtime` verb accepts; include with `@OptionGroup var global: GlobalOptions`.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help: ArgumentHelp("Configuration file to use instead of the lookup order.", valueName: "FILE"))
    public var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log level: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "LEVEL"
        ),
        transform: GlobalOptions.parseLogLevel)
    public var logLevel: Logger.Level = .warning

    public init() {}

    /// Loads the configuration `--config` names, else the one `KATA_CONF_FILE` or the default
    /// paths name.
    public func loadConfiguration(
        environment: ConfigLookupEnvironment = .current(), logger: Logger = Logger(label: "kata-runtime")
    ) throws -> LoadedConfiguration {
        try ConfigurationLoader.loadForRuntime(explicitPath: config, environment: environment, logger: logger)
    }

    static func parseLogLevel(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError(
                "unknown log level '\(text)'; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return level
    }
}
