import Foundation
import Testing

/// Everything a sandbox can leave on the host: its shim and QEMU processes, mounts, the
/// runtime's state and shared directories, containerd's task directory and the shim socket.
/// Empty once the sandbox is fully gone.
struct SandboxTraces: CustomStringConvertible {
    var shimPID: Int32?
    var qemuPIDs: [Int32]
    var mounts: [String]
    var paths: [String]

    var isEmpty: Bool { shimPID == nil && qemuPIDs.isEmpty && mounts.isEmpty && paths.isEmpty }

    var description: String {
        isEmpty
            ? "nothing"
            : "shim \(shimPID.map(String.init) ?? "-"), qemu \(qemuPIDs), mounts \(mounts), paths \(paths)"
    }

    /// What is left of sandbox `id`; `shimSocket` is the shim's socket path when known (see
    /// `shimSocket(of:in:)`).
    static func of(_ id: String, in ctrd: PrivateContainerd, shimSocket: String? = nil) -> SandboxTraces {
        let candidates = [
            "/run/vc/sbs/\(id)", "/run/kata-containers/shared/sandboxes/\(id)", ctrd.taskStateDirectory(id),
        ]
        return SandboxTraces(
            shimPID: HostProcesses.shimPID(for: id), qemuPIDs: HostProcesses.qemuPIDs(for: id),
            mounts: mountPoints().filter { $0.contains("/\(id)/") || $0.hasSuffix("/\(id)") },
            paths: (candidates + [shimSocket].compactMap { $0 }).filter {
                FileManager.default.fileExists(atPath: $0)
            })
    }

    /// Polls until nothing of `id` is left or `timeout` passes; returns what is left.
    static func waitUntilGone(
        _ id: String, in ctrd: PrivateContainerd, shimSocket: String? = nil, timeout: TimeInterval
    ) async -> SandboxTraces {
        let deadline = Date().addingTimeInterval(timeout)
        var traces = of(id, in: ctrd, shimSocket: shimSocket)
        while !traces.isEmpty && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(100))
            traces = of(id, in: ctrd, shimSocket: shimSocket)
        }
        return traces
    }

    /// The shim socket containerd recorded for a running task (`unix:///run/containerd/s/…`).
    static func shimSocket(of id: String, in ctrd: PrivateContainerd) -> String? {
        guard
            let address = try? String(
                contentsOfFile: ctrd.taskStateDirectory(id) + "/address", encoding: .utf8)
        else { return nil }
        let trimmed = address.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.hasPrefix("unix://") ? String(trimmed.dropFirst("unix://".count)) : nil
    }

    /// Mount points of this mount namespace (/proc/self/mountinfo, field 5), octal escapes kept.
    static func mountPoints() -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? String(fields[4]) : nil
        }
    }
}

extension PrivateContainerd {
    /// `ctr task delete` and `ctr containers rm` of a stopped task must both succeed, and then
    /// nothing of the sandbox may be left within 10 s.
    func deleteExpectingNothingLeft(_ id: String, shimSocket: String?) async throws {
        let deleted = try await ctr(["task", "delete", id], timeout: 60)
        #expect(deleted.status == 0, "ctr task delete: \(deleted.stderr)")
        let removed = try await ctr(["containers", "rm", id], timeout: 30)
        #expect(removed.status == 0, "ctr containers rm: \(removed.stderr)")
        let traces = await SandboxTraces.waitUntilGone(id, in: self, shimSocket: shimSocket, timeout: 10)
        #expect(traces.isEmpty, "left behind: \(traces)")
    }
}
