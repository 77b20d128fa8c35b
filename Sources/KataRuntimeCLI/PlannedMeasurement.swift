import Host
import KataConfig
import KataCore
import Runtime
import VirtualMachine

/// `measure --config FILE [--annotation K=V]...` and `measure --sandbox ID`: the measurement a
/// pod will have (planned exactly as the shim plans it) or a running sandbox's, as recorded.
struct PlannedMeasurement {
    let options: MeasureCommand

    init(_ options: MeasureCommand) throws {
        self.options = options
        if options.global.config != nil && options.sandbox != nil {
            throw refusal("--config and --sandbox exclude each other")
        }
        if let mode = options.mode {
            throw refusal("--mode \(mode) does not apply with --config or --sandbox")
        }
        if options.ovmf != nil || options.kernel != nil || options.initrd != nil || options.append != nil
            || options.vcpus != nil || options.vcpuType != nil || options.vcpuSig != nil
        {
            throw refusal(
                "--ovmf, --kernel, --initrd, --append, --vcpus, --vcpu-type and --vcpu-sig come from the "
                    + "configuration with --config or --sandbox")
        }
        if options.sandbox != nil && !options.annotations.isEmpty {
            throw refusal("--annotation applies to --config, not --sandbox")
        }
    }

    func output() throws -> MeasureOutput {
        let measurement: ExpectedMeasurement
        var commandLine: [String]? = nil
        let origin: (String, JSONValue)
        if let sandbox = options.sandbox {
            measurement = try recorded(sandbox)
            origin = ("sandbox", .string(sandbox))
        } else {
            let (plan, hostSignature, path) = try planned()
            guard
                let computed = try plan.measurement
                    ?? ExpectedMeasurement.compute(for: plan.vm, hostCPUSignature: hostSignature)
            else {
                throw KataError(
                    .invalidConfig,
                    "\(path): plans an ordinary VM (guest protection none); there is no launch measurement")
            }
            measurement = computed
            commandLine = try defaultBackend().commandLine(for: plan.vm)
            origin = ("configuration", .string(path))
        }
        if options.referenceValues {
            return MeasureOutput(text: try ReferenceValues.sampleMessage(measurement), vmsaPages: [])
        }
        guard options.json else {
            // The measurement alone on the first line (scripts read it); initdata on a second.
            let initdata = measurement.initdata.map { "\ninit_data \(Self.initdataSummary($0))" } ?? ""
            return MeasureOutput(text: measurement.measurement + initdata, vmsaPages: [])
        }
        var members = Self.json(measurement)
        members.append(origin)
        if let commandLine {
            members.append(("hypervisor_command_line", .array(commandLine.map { JSONValue.string($0) })))
        }
        return MeasureOutput(text: JSONValue.object(members).rendered(), vmsaPages: [])
    }

    /// The plan the shim would make for a pod with these annotations on this host.
    private func planned() throws -> (LaunchPlan, UInt64?, String) {
        var annotations: [String: String] = [:]
        for item in options.annotations {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw refusal("--annotation \(item): expected KEY=VALUE")
            }
            annotations[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        let loaded = try ConfigurationLoader.loadForShim(
            annotations: annotations, shimConfigPath: options.global.config, source: .commandLine)
        let facts = HostFacts.gather(try hostProbe())
        let planner = LaunchPlanner(configuration: loaded.configuration, host: facts)
        // The sandbox id and paths name the run directory on the command line; they do not
        // enter the measurement.
        let paths = SandboxPaths(sandboxID: "measure", stateRoot: options.stateRoot)
        let plan = try planner.plan(
            LaunchRequest(sandboxID: paths.sandboxID, paths: paths, annotations: annotations))
        return (plan, facts.cpuSignature, loaded.path)
    }

    private func hostProbe() throws -> HostProbe {
        let filesystem = HostFilesystem(root: options.hostRoot)
        guard !options.hostCPUID.isEmpty else { return HostProbe(filesystem: filesystem) }
        return try HostProbe.described(
            filesystem: filesystem, cpuidLeaves: options.hostCPUID, option: "--host-cpuid")
    }

    private func recorded(_ sandbox: String) throws -> ExpectedMeasurement {
        try Identifier.validate(sandbox, field: "--sandbox")
        let state = try SandboxState.load(SandboxPaths(sandboxID: sandbox, stateRoot: options.stateRoot))
        guard let measurement = state.measurement else {
            throw KataError(
                .notFound,
                "--sandbox \(sandbox): no launch measurement recorded (an ordinary VM, or an older runtime)")
        }
        return measurement
    }

    /// `mode`, `algorithm`, `measurement` (hex) and `inputs`, in that order.
    static func json(_ measurement: ExpectedMeasurement) -> [(String, JSONValue)] {
        let inputs = measurement.inputs.map { input -> JSONValue in
            var members: [(String, JSONValue)] = [("name", .string(input.name))]
            if let path = input.path { members.append(("path", .string(path))) }
            if let size = input.size { members.append(("size", .number(size))) }
            if let value = input.value { members.append(("value", .string(value))) }
            if let algorithm = input.algorithm, let digest = input.digest {
                members.append((algorithm, .string(digest)))
            }
            return .object(members)
        }
        var members: [(String, JSONValue)] =
            [
                ("mode", .string(measurement.mode.rawValue)), ("algorithm", .string(measurement.algorithm)),
                ("measurement", .string(measurement.measurement)), ("inputs", .array(inputs)),
            ] + (measurement.tdx?.jsonMembers ?? [])
        if let initdata = measurement.initdata {
            members.append(
                (
                    "init_data",
                    .object([
                        ("algorithm", .string(initdata.algorithm)), ("digest", .string(initdata.digest)),
                        ("field", initdata.field.map { .string($0) } ?? .null),
                        ("value", initdata.value.map { .string($0) } ?? .null),
                    ])
                ))
        }
        return members
    }

    /// `sha256 <digest> as host_data <value>`, or `... bound to no attested field`.
    static func initdataSummary(_ initdata: InitdataBinding) -> String {
        let bound =
            if let field = initdata.field, let value = initdata.value { "as \(field) \(value)" } else {
                "bound to no attested field"
            }
        return "\(initdata.algorithm) \(initdata.digest) \(bound)"
    }
}
