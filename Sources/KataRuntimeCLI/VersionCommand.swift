import ArgumentParser
import BuildInfo
import KataCore

/// `kata-runtime version`: the same three lines upstream prints.
public struct VersionCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Show the runtime version, commit and OCI spec version.")

    public init() {}

    /// The lines `run` prints.
    public static var text: String {
        """
        kata-runtime  : \(KataVersion.version)
           commit   : \(BuildInfo.commit)
           OCI specs: \(KataVersion.ociSpec)
        """
    }

    public func run() throws { print(Self.text) }
}
