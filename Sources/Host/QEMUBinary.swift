/// The QEMU binary the runtime would launch: present, executable, and its version line.
public struct QEMUBinary: Sendable, Equatable, Codable {
    public var path: String
    public var executable: Bool
    /// First line of `--version`, e.g. "QEMU emulator version 7.2.22 (Debian ...)".
    public var version: String?
    /// Accelerators from `-accel help`, e.g. ["kvm", "tcg"].
    public var accelerators: [String] = []
    /// User-creatable object types from `-object help`, e.g. "sev-guest"; empty when unknown.
    public var objectTypes: [String] = []
    /// Why the binary cannot be used, when it cannot.
    public var problem: String?

    public init(
        path: String, executable: Bool, version: String? = nil, accelerators: [String] = [],
        objectTypes: [String] = [], problem: String? = nil
    ) {
        self.path = path
        self.executable = executable
        self.version = version
        self.accelerators = accelerators
        self.objectTypes = objectTypes
        self.problem = problem
    }

    public var usable: Bool { problem == nil }

    /// Checks `path` and runs `path --version` (no shell, killed after `timeoutMilliseconds`).
    /// The path is a real host path, not under a probe root: it comes from the configuration.
    public static func probe(path: String, timeoutMilliseconds: Int32 = 5000) -> QEMUBinary {
        let fs = HostFilesystem.live
        guard fs.exists(path) else {
            return QEMUBinary(path: path, executable: false, problem: "\(path) does not exist")
        }
        guard fs.isExecutable(path) else {
            return QEMUBinary(path: path, executable: false, problem: "\(path) is not an executable file")
        }
        do {
            let result = try ProcessOutput.run(path, ["--version"], timeoutMilliseconds: timeoutMilliseconds)
            let firstLine = result.output.split(separator: "\n").first.map { $0.trimmingWhitespace() }
            guard result.exitStatus == 0, let firstLine, !firstLine.isEmpty else {
                return QEMUBinary(
                    path: path, executable: true, version: firstLine,
                    problem: "\(path) --version exited \(result.exitStatus): \(firstLine ?? "no output")")
            }
            let help = try ProcessOutput.run(
                path, ["-accel", "help"], timeoutMilliseconds: timeoutMilliseconds)
            // Output: a heading line, then one accelerator name per line.
            let accelerators = help.output.split(separator: "\n").dropFirst().map { $0.trimmingWhitespace() }
                .filter { !$0.isEmpty && !$0.contains(" ") }
            let objects = try ProcessOutput.run(
                path, ["-object", "help"], timeoutMilliseconds: timeoutMilliseconds)
            // Output: "List of user creatable objects:", then one type per line.
            let objectTypes = objects.output.split(separator: "\n").dropFirst().map {
                $0.trimmingWhitespace()
            }
            .filter { !$0.isEmpty && !$0.contains(" ") }
            return QEMUBinary(
                path: path, executable: true, version: firstLine, accelerators: accelerators,
                objectTypes: objects.exitStatus == 0 ? objectTypes : [])
        } catch {
            return QEMUBinary(path: path, executable: true, problem: "\(error)")
        }
    }
}
