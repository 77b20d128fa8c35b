import KataConfig
import KataCore
import QEMU

extension QEMUCommandLine {
    /// The command line for a sandbox VM: kernel and initrd boot, the agent's virtio-serial port
    /// (a unix-socket chardev the host connects to), the shared directory over virtio-9p, an
    /// entropy device, the serial console into a log file, and QEMU's seccomp filter when the
    /// configuration asks for one. No network device yet.
    public static func sandbox(_ plan: VMPlan, accelerator: Accelerator) throws -> QEMUCommandLine {
        var line = QEMUCommandLine(
            binary: plan.qemuPath, name: "sandbox-\(plan.sandboxID)",
            machine: Machine(type: plan.machineType, accelerator: accelerator),
            // Under TCG the default qemu64 model has no RDRAND: the guest then waits seconds for
            // entropy at boot. `max` emulates everything TCG can.
            cpu: CPU(model: accelerator == .kvm ? "host" : "max"),
            smp: SMP(cpus: plan.vcpus),
            memory: Memory(size: .mebibytes(plan.memoryMiB)),
            kernel: KernelBoot(kernel: plan.kernel, initrd: plan.initrd, commandLine: plan.kernelCommandLine),
            devices: [
                VirtioSerial(id: "serial0"),
                VirtSerialPort(
                    name: VMPlan.agentPortName, chardevID: "agent", socketPath: agentSocketPath(plan)),
                Virtio9P(
                    id: "share0", path: plan.sharedDirectory, mountTag: plan.shareTag,
                    readOnly: plan.shareReadOnly),
                VirtioRNG(id: "rng0", source: plan.entropySource),
            ],
            consoleLog: SerialConsoleLog(path: consoleLogPath(plan)),
            seccompSandbox: plan.seccompSandbox.isEmpty ? nil : plan.seccompSandbox)
        switch plan.protection {
        case .none, .auto:
            break
        case .sev, .sevES:
            line.apply(.sev(try SEVGuest(policy: plan.sevPolicy), firmware: try firmware(plan)))
        case .snp:
            line.apply(.snp(try SNPGuest(policy: plan.snpPolicy), firmware: try firmware(plan)))
        case .tdx:
            line.apply(.tdx(try TDXGuest(mrConfigID: plan.tdx.mrConfigID), firmware: try firmware(plan)))
        }
        return line
    }

    /// The host end of the agent channel.
    public static func agentSocketPath(_ plan: VMPlan) -> String { plan.runDirectory + "/agent.sock" }
    public static func consoleLogPath(_ plan: VMPlan) -> String { plan.runDirectory + "/console.log" }

    static func firmware(_ plan: VMPlan) throws -> String {
        guard !plan.firmware.isEmpty else {
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.firmware: guest_protection \(plan.protection.rawValue) needs a firmware image"
            )
        }
        return plan.firmware
    }
}
