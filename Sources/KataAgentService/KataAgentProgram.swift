import GuestAgent
import KataCore
import TTRPC

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's life as PID 1 of the guest: set up the system, find the host channel, serve.
public enum KataAgentProgram {
    public static let modulesList = "/etc/kata-modules"

    public static func run() async -> Never {
        signal(SIGPIPE, SIG_IGN)
        let isInit = getpid() == 1
        var modules = GuestModules.none
        if isInit {
            GuestInit.mountEssentials().forEach { log("init: \($0)") }
            modules = GuestModules.load(
                listFile: modulesList, directory: "/lib/modules/\(GuestInit.kernelRelease())",
                log: { log("init: \($0)") })
        }
        let reaper = ChildReaper(mode: isInit ? .allChildren : .trackedOnly)
        let server = TTRPCServer(services: AgentService(reaper: reaper, modules: modules).services())
        do {
            let channel = try await AgentChannel.wait(modules: modules, timeout: .seconds(30))
            log("serving on \(channel)")
            try await channel.serve(server, log: log)
        } catch {
            log("fatal: \(error)")
        }
        // PID 1 must not exit (the kernel would panic); power off instead, which ends the VM.
        // (sysrq "o" powers off without needing reboot(2), which Glibc's module map lacks.)
        if isInit { try? writeText("/proc/sysrq-trigger", "o") }
        exit(1)
    }

    static func log(_ message: String) {
        let line = Array("kata-agent: \(message)\n".utf8)
        _ = write(2, line, line.count)
    }
}
