import KataCore
import TTRPC

#if canImport(Glibc)
    import Glibc
#endif

/// How the host reaches this agent: the virtio-serial port QEMU names `agent.channel.0`
/// (found through /sys/class/virtio-ports/*/name), or vsock port 1024.
public enum AgentChannel: Sendable, Equatable {
    case serialPort(devicePath: String)
    case vsock(port: UInt32)

    public static let portName = "agent.channel.0"
    public static let vsockPort: UInt32 = 1024

    /// The named virtio-serial port, else vsock when the guest has it; nil when neither is
    /// there (yet: the devices appear as their modules load).
    public static func find(sysRoot: String = "/sys", devRoot: String = "/dev") -> AgentChannel? {
        let ports = "\(sysRoot)/class/virtio-ports"
        for entry in listDirectory(ports) where (try? readText("\(ports)/\(entry)/name")) == portName {
            return .serialPort(devicePath: "\(devRoot)/\(entry)")
        }
        if access("\(devRoot)/vsock", F_OK) == 0 { return .vsock(port: vsockPort) }
        return nil
    }

    /// The serial port as soon as its driver is up; vsock only once every module has loaded
    /// (its transport is among the later ones) and still no port is there. Polls until `timeout`.
    public static func wait(modules: GuestModules, timeout: Duration) async throws -> AgentChannel {
        let deadline = ContinuousClock.now + timeout
        while true {
            let allLoaded = modules.isFinished
            if let channel = find(), allLoaded || channel != .vsock(port: vsockPort) { return channel }
            guard ContinuousClock.now < deadline else {
                throw KataError(
                    .notFound, "no virtio-serial port named \(portName) and no /dev/vsock after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Serves `services` on this channel forever. A virtio-serial port carries one host
    /// connection at a time: when the host side goes away the connection reads EOF and ends,
    /// and the next client is served on a fresh copy of the port's descriptor.
    public func serve(_ server: TTRPCServer, log: @Sendable (String) -> Void) async throws -> Never {
        switch self {
        case .vsock(let port):
            let listener = try await server.listen(on: .vsock(cid: UInt32.max, port: port))
            await listener.waitClosed()
            throw KataError(.internal, "vsock listener on port \(port) closed")
        case .serialPort(let path):
            // This descriptor stays open for the agent's life; each connection gets a copy.
            // Closing the port's last descriptor would make the kernel discard what the host
            // already sent, and a host reconnecting quickly after a disconnect may have sent
            // its first request by then.
            let port = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK)
            guard port >= 0 else { throw KataError.system("open \(path)", errno: errno) }
            while true {
                await Self.waitForHost(port)
                let fd = fcntl(port, F_DUPFD_CLOEXEC, 0)
                guard fd >= 0 else { throw KataError.system("dup \(path)", errno: errno) }
                let serving = try await server.serve(fileDescriptor: fd)
                log("host connected on \(path)")
                await serving.waitClosed()
                log("host connection on \(path) closed")
            }
        }
    }

    /// While no host client is connected the port polls as readable *and* hung up, and reads
    /// return EOF, which would end a connection at once; so wait until the port is readable
    /// without hang-up: a host is connected and has sent its first bytes.
    static func waitForHost(_ port: Int32) async {
        while true {
            var poller = pollfd(fd: port, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 0)
            if ready > 0, poller.revents & Int16(POLLIN) != 0, poller.revents & Int16(POLLHUP) == 0 { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
