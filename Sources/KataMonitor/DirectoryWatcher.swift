import CKataSys
import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the sandboxes' state directory with inotify and calls `changed` after anything
/// appears or disappears in it or in a sandbox's own directory (where the shim's management
/// socket is made). The callback rescans; events only say when. Runs on its own thread, since
/// waiting on inotify blocks; `stop()` wakes it through a pipe.
package final class DirectoryWatcher: Sendable {
    private let root: String
    private let changed: @Sendable () -> Void
    private let wake: (read: Int32, write: Int32)
    private let stopped = Mutex(false)
    /// While the root does not exist (no sandbox ever ran here) the thread looks for it this often.
    static let absentRootRetry: Int32 = 1000

    package init(root: String, changed: @escaping @Sendable () -> Void) throws {
        self.root = root
        self.changed = changed
        var fds: [Int32] = [0, 0]
        let status = ckata_pipe_cloexec(&fds)
        guard status == 0 else {
            throw KataError(.system, "kata-monitor: pipe2: \(String(cString: strerror(-status)))")
        }
        wake = (fds[0], fds[1])
    }

    package func start() {
        startDetachedThread { [self] in run() }
    }

    /// Ends the thread (once; later calls do nothing).
    package func stop() {
        guard
            stopped.withLock({ was in
                defer { was = true }; return !was
            })
        else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    // The thread holds `self` until it returns: the pipe outlives it and every stop() call.
    deinit {
        close(wake.read)
        close(wake.write)
    }

    private func run() {
        while true {
            let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            guard inotify >= 0 else { return }
            defer { close(inotify) }
            let rootMask = UInt32(
                IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
            let rootWatch = inotify_add_watch(inotify, root, rootMask)
            if rootWatch < 0 {
                // Not there yet: try again later (or stop).
                if waitForWake(timeout: Self.absentRootRetry) { return }
                continue
            }
            var watched = Set<String>()
            watchSandboxDirectories(inotify, &watched)
            changed()
            if follow(inotify, rootWatch: rootWatch, &watched) { return }
            changed()  // the root went away: every sandbox did too
        }
    }

    /// Reads events until told to stop (true) or the root itself is gone (false).
    private func follow(_ inotify: Int32, rootWatch: Int32, _ watched: inout Set<String>) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            var fds = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0, fds[1].revents == 0 else { return true }
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            var rootGone = false
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            // struct inotify_event: wd (i32), mask (u32), cookie (u32), len (u32), name[len].
            while offset + header <= count {
                let (descriptor, mask, length) = buffer.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                        raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    )
                }
                let selfGone = UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)
                if descriptor == rootWatch && mask & selfGone != 0 { rootGone = true }
                offset += header + length
            }
            if rootGone || access(root, F_OK) != 0 { return false }
            watchSandboxDirectories(inotify, &watched)
            changed()
        }
    }

    /// Adds a watch on each sandbox directory not watched yet: the socket appears inside it.
    private func watchSandboxDirectories(_ inotify: Int32, _ watched: inout Set<String>) {
        let present = Set((try? directoryEntries(root)) ?? [])
        watched.formIntersection(present)
        for name in present where !watched.contains(name) {
            let mask = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)
            if inotify_add_watch(inotify, "\(root)/\(name)", mask) >= 0 { watched.insert(name) }
        }
    }

    /// Sleeps up to `timeout` ms; true when stop() was called.
    private func waitForWake(timeout: Int32) -> Bool {
        var fd = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, timeout) > 0
    }
}
