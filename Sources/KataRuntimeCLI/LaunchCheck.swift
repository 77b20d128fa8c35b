import Host
import KataConfig
import KataCore
import Runtime

/// `kata-runtime check`'s verdict on the configuration itself: the launch planner plans a
/// sandbox from it against this host's facts, exactly as sandbox creation would, so a
/// confidential configuration this host cannot honour shows here with the same reason.
enum LaunchCheck {
    static let name = "launch plan"

    static func judge(_ loaded: Result<LoadedConfiguration, any Error>, host: HostFacts, qemu: QEMUBinary)
        -> HostCheck
    {
        let configuration: LoadedConfiguration
        switch loaded {
        case .success(let value): configuration = value
        case .failure(let error):
            return HostCheck(
                name, .warn, "no configuration loaded (\(describe(error))); see kata-runtime env")
        }
        let planner = LaunchPlanner(configuration: configuration.configuration, host: host, qemu: qemu)
        let request = LaunchRequest(sandboxID: "check", paths: SandboxPaths(sandboxID: "check"))
        do {
            let plan = try planner.plan(request)
            let protection =
                plan.vm.protection == .none ? "no memory encryption" : plan.vm.protection.rawValue
            return HostCheck(
                name, .pass,
                "\(configuration.path): \(protection), accelerator \(plan.vm.accelerator.rawValue), "
                    + "\(plan.vm.vcpus) vCPU, \(plan.vm.memoryMiB) MiB")
        } catch {
            return HostCheck(name, .fail, "\(configuration.path): \(describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        (error as? KataError)?.message ?? "\(error)"
    }
}
