import Agent
import KataCore
import QEMU

#if canImport(Glibc)
    import Glibc
#endif

/// One guest booted from the built image under TCG (q35, `-cpu max`, 1 vCPU, 256 MiB, no NIC) with the
/// agent reached over virtio-serial and a 9p share for container root filesystems. Everything
/// lives in one private temp directory; `shutdown()` stops QEMU and removes it on every path.
public final class AgentVM: Sendable {
    public static let shareTag = "kataShared"

    public let agent: TTRPCAgent
    public let qemu: QEMUInstance
    /// Host directory shared with the guest; container `<id>/rootfs` trees go here.
    public let shareDirectory: String
    public let directory: String
    /// From QEMU spawn to the first Health.Check answer.
    public let bootToHealth: Duration

    private init(agent: TTRPCAgent, qemu: QEMUInstance, directory: String, bootToHealth: Duration) {
        self.agent = agent
        self.qemu = qemu
        self.directory = directory
        self.shareDirectory = directory + "/share"
        self.bootToHealth = bootToHealth
    }

    /// The sandbox storage that mounts the share where the agent expects container roots.
    public static var sharedStorage: Storage {
        .virtio9p(tag: shareTag, mountPoint: "/run/kata-containers/shared/containers", msize: 512 * 1024)
    }

    /// The guest kernel's command line. Besides the console and the agent as init, options
    /// that skip slow probes under TCG: legacy keyboard controller, TSC and timer checks,
    /// crypto self-tests, scanning PCI buses beyond the first.
    public static let kernelParameters =
        "console=ttyS0 quiet panic=-1 rdinit=/init tsc=reliable no_timer_check rcupdate.rcu_expedited=1 "
        + "i8042.direct=1 i8042.dumbkbd=1 i8042.nopnp=1 i8042.noaux=1 cryptomgr.notests pci=lastbus=0"

    public static func boot(image: GuestImage, dialTimeout: Duration = .seconds(60)) async throws -> AgentVM {
        var template = Array("/tmp/kata-agent-vm-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw KataError.system("mkdtemp", errno: errno) }
        let directory = String(cString: made)
        do {
            guard mkdir(directory + "/share", 0o755) == 0 else {
                throw KataError.system("mkdir \(directory)/share", errno: errno)
            }
            let socket = directory + "/run/agent.sock"
            var commandLine = QEMUCommandLine(
                name: "kata-agent-test", machine: Machine(accelerator: .tcg),
                // `max` offers RDRAND, so the guest's CRNG is ready at once; with the default
                // qemu64 model the agent's first getrandom() waits ~1-2 s for jitter entropy.
                cpu: CPU(model: "max"), memory: Memory(size: .mebibytes(256)),
                kernel: KernelBoot(
                    kernel: image.kernel, initrd: image.initrd,
                    commandLine: Self.kernelParameters),
                consoleLog: SerialConsoleLog(path: directory + "/console.log"))
            commandLine.devices = [
                VirtioSerial(id: "serial0"),
                VirtSerialPort(name: "agent.channel.0", chardevID: "agent", socketPath: socket),
                Virtio9P(id: "share", path: directory + "/share", mountTag: shareTag),
            ]
            let started = ContinuousClock.now
            let qemu = try await QEMUInstance.launch(commandLine, runDirectory: directory + "/run")
            do {
                let agent = try await TTRPCAgent.connect(
                    to: .serialSocket(path: socket), dialTimeout: dialTimeout)
                return AgentVM(
                    agent: agent, qemu: qemu, directory: directory,
                    bootToHealth: ContinuousClock.now - started)
            } catch {
                let console = Self.consoleTail(directory)
                await qemu.stop()
                throw KataError(.timeout, "agent did not answer: \(error); guest console:\n\(console)")
            }
        } catch {
            removeTree(directory)
            throw error
        }
    }

    /// QEMU's chardev socket for the guest's `agent.channel.0`.
    public var agentSocket: String { directory + "/run/agent.sock" }

    /// The last part of the guest's serial console.
    public var console: String { Self.consoleTail(directory) }

    /// Closes the agent connection, stops QEMU, removes the temp directory.
    public func shutdown() async {
        await agent.close()
        await qemu.stop()
        removeTree(directory)
    }

    static func consoleTail(_ directory: String) -> String {
        let fd = open(directory + "/console.log", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "<no console log>" }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return String(decoding: bytes.prefix(max(n, 0)).suffix(4000), as: UTF8.self)
    }
}

extension AgentVM {
    /// Creates `<share>/<id>/rootfs` with busybox; the guest sees it at the convention's path.
    public func prepareBusyboxRootfs(containerID: String) throws {
        guard mkdir("\(shareDirectory)/\(containerID)", 0o755) == 0 else {
            throw KataError.system("mkdir \(shareDirectory)/\(containerID)", errno: errno)
        }
        try BusyboxRootfs.create(at: "\(shareDirectory)/\(containerID)/rootfs")
    }

    /// Prepares the rootfs, creates and starts a busybox container running `args`.
    public func runContainer(id: String, args: [String], terminal: Bool = false) async throws {
        try prepareBusyboxRootfs(containerID: id)
        try await agent.createContainer(
            ContainerRequest(id: id, spec: BusyboxRootfs.spec(args: args, terminal: terminal)))
        try await agent.startContainer(id: id)
    }

    /// Everything a process writes to stdout (or stderr), until EOF.
    public func readAll(containerID: String, execID: String = "", stderr: Bool = false) async throws -> String
    {
        var bytes: [UInt8] = []
        while true {
            let chunk =
                stderr
                ? try await agent.readStderr(containerID: containerID, execID: execID, maxBytes: 1 << 16)
                : try await agent.readStdout(containerID: containerID, execID: execID, maxBytes: 1 << 16)
            guard let chunk else { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk
        }
    }
}
