import GuestAgent
import KataCore
import Synchronization

/// The image's kernel modules (listed in load order in /etc/kata-modules). Those up to the
/// virtio-serial driver load first, because the host channel needs them; the rest
/// (filesystems, vsock, block) load on a thread while the agent already serves, which takes
/// ~0.3 s off the time to the first answer under TCG. A mount waits only for the modules its
/// filesystem needs (`wait(for:)`), not for the whole list.
public final class GuestModules: Sendable {
    /// The last module the agent channel needs before serving.
    public static let channelDriver = "virtio_console.ko"

    private struct State {
        var loaded: Set<String> = []
        var finished = false
        var waiters: [(needs: Set<String>, continuation: CheckedContinuation<Void, Never>)] = []

        func satisfies(_ needs: Set<String>) -> Bool { finished || needs.isSubset(of: loaded) }
    }
    private let state = Mutex(State())
    private let log: @Sendable (String) -> Void
    /// Where the modules are; nil outside the agent's own image (nothing to load).
    private let directory: String?
    /// Modules loaded on demand so far (one loader at a time: the lock is held while loading).
    private let onDemand = Mutex<Set<String>>([])

    /// A set with nothing to load (the agent runs outside its own guest image).
    public static let none: GuestModules = {
        let modules = GuestModules(log: { _ in }, directory: nil)
        modules.finish()
        return modules
    }()

    init(log: @escaping @Sendable (String) -> Void, directory: String?) {
        self.log = log
        self.directory = directory
    }

    /// Loads the channel's modules now and starts loading the rest.
    public static func load(listFile: String, directory: String, log: @escaping @Sendable (String) -> Void)
        -> GuestModules
    {
        let names = GuestInit.moduleList(listFile)
        let split = names.firstIndex(of: channelDriver).map { $0 + 1 } ?? names.count
        GuestInit.loadModules(Array(names[..<split]), directory: directory).forEach(log)
        let modules = GuestModules(log: log, directory: directory)
        let rest = Array(names[split...])
        startDetachedThread {
            for name in rest {
                GuestInit.loadModules([name], directory: directory).forEach(log)
                modules.loaded(name)
            }
            modules.finish()
        }
        return modules
    }

    /// Records one module as loaded (or failed: a failure is logged, and the mount that needed
    /// it then reports the real error) and wakes the waiters it satisfies.
    private func loaded(_ name: String) {
        update { $0.loaded.insert(name) }
    }

    private func finish() {
        update { $0.finished = true }
    }

    private func update(_ change: (inout State) -> Void) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            let current = state
            let ready = state.waiters.filter { current.satisfies($0.needs) }.map(\.continuation)
            state.waiters.removeAll { current.satisfies($0.needs) }
            return ready
        }
        ready.forEach { $0.resume() }
    }

    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Returns once every listed module was loaded (or failed to).
    public func waitAll() async { await wait(for: nil) }

    /// Returns once the named modules (file names, e.g. "9p.ko") were loaded, or once the whole
    /// list was; nil means the whole list.
    public func wait(for names: Set<String>?) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                let needs = names ?? []
                let done = names == nil ? state.finished : state.satisfies(needs)
                if !done {
                    // Waiting for the whole list: a need no module name matches.
                    state.waiters.append((names ?? ["\u{0}all"], continuation))
                }
                return done
            }
            if done { continuation.resume() }
        }
    }

    /// The modules the boot leaves out, in load order: what a container root filesystem on a
    /// block device needs (EROFS under dm-verity). They would cost boot time under TCG that a
    /// sandbox sharing a directory never needs back.
    public static let onDemandList = "/etc/kata-modules-on-demand"

    /// Loads the on-demand modules, once each; fails naming the module that would not load.
    public func loadOnDemand() throws {
        guard let directory else { return }
        try onDemand.withLock { loaded in
            for name in GuestInit.moduleList(Self.onDemandList) where !loaded.contains(name) {
                if let problem = GuestInit.loadModules([name], directory: directory).first {
                    throw KataError(.system, problem)
                }
                loaded.insert(name)
            }
        }
    }

    /// The modules a filesystem type needs before it can be mounted; nil when unknown (then
    /// the whole list is awaited).
    public static func needed(forFilesystem type: String) -> Set<String>? {
        switch type {
        case "9p": ["9pnet_virtio.ko", "9p.ko"]
        case "virtiofs": ["virtiofs.ko"]
        case "overlay": ["overlay.ko"]
        case "tmpfs", "proc", "sysfs", "devpts", "cgroup2", "bind": []
        default: nil
        }
    }
}
