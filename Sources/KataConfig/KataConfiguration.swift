/// The whole runtime configuration: `[hypervisor.qemu]`, `[agent.kata]` and `[runtime]`.
/// A default value holds upstream Kata's defaults for every absent key.
public struct KataConfiguration: Sendable, Equatable {
    public var hypervisor = QEMUConfig()
    public var agent = AgentConfig()
    public var runtime = RuntimeConfig()

    public init() {}
}

/// A key the loader did not recognise (it is ignored), with the file that holds it.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// Full dotted key, e.g. `hypervisor.qemu.no_such_option`.
    public let key: String

    public init(file: String, key: String) {
        self.file = file
        self.key = key
    }

    public var description: String { "\(file): unknown key '\(key)' ignored" }
}
