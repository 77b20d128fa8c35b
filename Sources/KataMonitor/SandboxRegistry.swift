import KataCore
import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// The sandboxes kata-monitor knows: each directory of the state root that holds a shim's
/// management socket, with the pod it is (from the sandbox's state file) when CRI made it.
/// Rescanned when the directory watcher says something changed, never per scrape.
package actor SandboxRegistry {
    package struct Entry: Sendable, Equatable {
        package var id: String
        package var pod: PodIdentity?
        package var socketPath: String
    }

    package let root: String
    package private(set) var entries: [String: Entry] = [:]
    /// How many rescans ran (tests wait on it).
    package private(set) var generation = 0

    package init(root: String) { self.root = root }

    package var sorted: [Entry] { entries.values.sorted { $0.id < $1.id } }

    package func rescan() {
        var found: [String: Entry] = [:]
        for name in (try? directoryEntries(root)) ?? [] {
            guard (try? Identifier.validate(name, field: "sandbox id")) != nil else { continue }
            let paths = SandboxPaths(sandboxID: name, stateRoot: root)
            let socket = paths.monitorSocket
            var status = stat()
            guard lstat(socket, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { continue }
            // The state file is the shim's own; a missing or unreadable one only loses the pod's names.
            let pod = entries[name]?.pod ?? (try? SandboxState.load(paths))?.pod
            found[name] = Entry(id: name, pod: pod, socketPath: socket)
        }
        entries = found
        generation += 1
    }

    /// The labels every series of `entry` gains: `sandbox_id`, and the pod's as upstream names them.
    package static func labels(_ entry: Entry) -> [(String, String)] {
        var labels = [("sandbox_id", entry.id)]
        if let pod = entry.pod {
            labels += [("cri_uid", pod.uid), ("cri_name", pod.name), ("cri_namespace", pod.namespace)]
        }
        return labels
    }
}
