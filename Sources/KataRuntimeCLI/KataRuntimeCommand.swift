import ArgumentParser

/// `kata-runtime`: the utility that inspects the host and configuration and computes launch
/// measurements. Each verb lives in its own file.
public struct KataRuntimeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kata-runtime",
        abstract: "Kata Containers runtime utility (Swift, confidential-computing build).",
        subcommands: [MeasureCommand.self]
    )

    public init() {}
}
