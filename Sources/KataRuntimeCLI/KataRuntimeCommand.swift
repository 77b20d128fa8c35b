import ArgumentParser
import KataConfig

/// `kata-runtime`: the utility that inspects the host and configuration and computes launch
/// measurements. Each verb lives in its own file.
public struct KataRuntimeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kata-runtime",
        abstract: "Kata Containers runtime utility (Swift, confidential-computing build).",
        subcommands: [
            CheckCommand.self,
            EnvCommand.self,
            MeasureCommand.self,
            MetricsCommand.self,
            VersionCommand.self,
        ]
    )

    @OptionGroup public var global: GlobalOptions

    @Flag(name: .long, help: "Print the default configuration file paths, in lookup order, and exit.")
    public var showDefaultConfigPaths = false

    public init() {}

    public func run() async throws {
        guard showDefaultConfigPaths else { throw CleanExit.helpRequest(self) }
        print(Self.defaultConfigPathsText(), terminator: "")
    }

    /// One default path per line, in lookup order, as upstream prints them.
    public static func defaultConfigPathsText(_ paths: [String] = ConfigurationLoader.defaultPaths) -> String
    {
        paths.map { $0 + "\n" }.joined()
    }
}
