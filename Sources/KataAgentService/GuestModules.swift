import GuestAgent
import KataCore
import Synchronization

/// The image's kernel modules (listed in load order in /etc/kata-modules). Those up to the
/// virtio-serial driver load first, because the host channel needs them; the rest
/// (filesystems, vsock, block) load on a thread while the agent already serves, which takes
/// ~0.3 s off the time to the first answer under TCG. Mounts wait for them (`waitAll`).
public final class GuestModules: Sendable {
    /// The last module the agent channel needs before serving.
    public static let channelDriver = "virtio_console.ko"

    private struct State {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    private let log: @Sendable (String) -> Void

    /// A set with nothing to load (the agent runs outside its own guest image).
    public static let none: GuestModules = {
        let modules = GuestModules(log: { _ in })
        modules.finish()
        return modules
    }()

    init(log: @escaping @Sendable (String) -> Void) { self.log = log }

    /// Loads the channel's modules now and starts loading the rest.
    public static func load(listFile: String, directory: String, log: @escaping @Sendable (String) -> Void)
        -> GuestModules
    {
        let names = GuestInit.moduleList(listFile)
        let split = names.firstIndex(of: channelDriver).map { $0 + 1 } ?? names.count
        GuestInit.loadModules(Array(names[..<split]), directory: directory).forEach(log)
        let modules = GuestModules(log: log)
        let rest = Array(names[split...])
        startDetachedThread {
            GuestInit.loadModules(rest, directory: directory).forEach(log)
            modules.finish()
        }
        return modules
    }

    private func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Returns once every listed module was loaded (or failed to).
    public func waitAll() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if !state.finished { state.waiters.append(continuation) }
                return state.finished
            }
            if done { continuation.resume() }
        }
    }
}
