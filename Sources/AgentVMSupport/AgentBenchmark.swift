import Agent
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Boots the guest image a few times and prints, per run: QEMU spawn to the first
/// Health.Check answer, and container create+start to the first byte of its output.
public enum AgentBenchmark {
    public static func run(runs: Int = 3) async {
        do {
            let image = try GuestImage.built()
            print(
                "agent benchmark: TCG, q35, 1 vCPU, 256 MiB; kernel \(image.kernel), initrd \(image.initrd)")
            var boots: [Duration] = []
            var firstBytes: [Duration] = []
            for run in 1...runs {
                let vm = try await AgentVM.boot(image: image)
                do {
                    try await vm.agent.createSandbox(
                        SandboxRequest(
                            hostname: "bench", sandboxID: "bench", storages: [AgentVM.sharedStorage]))
                    try vm.prepareBusyboxRootfs(containerID: "bench")
                    let started = ContinuousClock.now
                    try await vm.agent.createContainer(
                        ContainerRequest(id: "bench", spec: BusyboxRootfs.spec(args: ["/bin/echo", "hello"])))
                    try await vm.agent.startContainer(id: "bench")
                    _ = try await vm.agent.readStdout(containerID: "bench", execID: "", maxBytes: 1)
                    let firstByte = ContinuousClock.now - started
                    boots.append(vm.bootToHealth)
                    firstBytes.append(firstByte)
                    print(
                        "run \(run): QEMU start -> first Health.Check answer \(format(vm.bootToHealth)); "
                            + "container create+start -> first output byte \(format(firstByte))")
                } catch {
                    print("run \(run) failed: \(error)\nguest console:\n\(vm.console)")
                }
                await vm.shutdown()
            }
            guard !boots.isEmpty else { exit(1) }
            print(
                "median: boot to Health.Check \(format(median(boots))) (target < 2.5 s); "
                    + "create+start to first byte \(format(median(firstBytes)))")
        } catch {
            print("agent benchmark failed: \(error)")
            exit(1)
        }
    }

    static func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

    static func format(_ duration: Duration) -> String {
        let millis = duration.wholeMilliseconds
        return "\(millis / 1000).\(String(millis % 1000).leftPadded(to: 3)) s"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
