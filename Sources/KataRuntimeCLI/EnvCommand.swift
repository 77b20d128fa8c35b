import ArgumentParser
import Host

#if canImport(Glibc)
    import Glibc
#endif

/// `kata-runtime env`: the configuration in force and the host's facts, as TOML (upstream's
/// sections and keys) or JSON.
public struct EnvCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Show the configuration in force and facts about the host.")

    @OptionGroup public var global: GlobalOptions

    @Flag(name: .long, help: "Print JSON instead of TOML.")
    public var json = false

    public init() {}

    public func run() throws {
        let loaded = try global.loadConfiguration()
        let facts = HostFacts.gather()
        let qemu = QEMUBinary.probe(path: loaded.configuration.hypervisor.path)
        let tree = EnvReport.build(
            configuration: loaded, facts: facts, qemu: qemu, runtimePath: executablePath())
        print(json ? tree.json() : tree.toml(), terminator: json ? "\n" : "")
    }
}

/// This process's executable (/proc/self/exe), for `Runtime.Path`.
func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return CommandLine.arguments.first ?? "kata-runtime" }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Online processors, for `Host.CPU.CPUs`.
func onlineProcessorCount() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
