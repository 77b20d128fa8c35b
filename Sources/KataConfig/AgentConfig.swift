/// `[agent.kata]`: upstream option names and defaults.
public struct AgentConfig: Sendable, Equatable {
    public var enableDebug = false
    public var enableTracing = false
    public var debugConsoleEnabled = false
    /// Seconds to wait for the agent to answer after the VM starts.
    public var dialTimeout = 45
    /// Modules (with parameters) the agent loads with modprobe, e.g. "e1000e EEE=1".
    public var kernelModules: [String] = []
    /// Seconds the agent waits for the confidential data hub's API.
    public var cdhAPITimeout = 50

    public init() {}
}

extension AgentConfig {
    /// Annotation names are `io.katacontainers.config.agent.<name>`; kernel modules are
    /// separated by ";" as upstream.
    static var fields: [ConfigField<AgentConfig>] {
        [
            .boolean("enable_debug", \.enableDebug),
            .boolean("enable_tracing", \.enableTracing, annotation: .named("enable_tracing")),
            .boolean("debug_console_enabled", \.debugConsoleEnabled),
            .integer("dial_timeout", \.dialTimeout, in: 0...3600),
            .strings("kernel_modules", \.kernelModules, annotation: .named("kernel_modules", separator: ";")),
            .integer("cdh_api_timeout", \.cdhAPITimeout, in: 0...3600),
        ]
    }
}
