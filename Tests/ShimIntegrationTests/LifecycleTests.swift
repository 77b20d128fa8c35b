import Foundation
import Testing

/// What a user of containerd relies on beyond a single run: terminals, a shim that dies, and
/// many runs in a row that leave nothing behind.
@Suite(.serialized, .privateContainerd)
struct LifecycleTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    func uniqueID(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// `ctr run -t` needs a terminal on the ctr side: `script` gives it one.
    @Test func terminalRun() async throws {
        let id = uniqueID("tty")
        let command =
            "/usr/bin/ctr -a \(ctrd.socket) run --rm -t --runtime io.containerd.kata.v2 "
            + "\(PrivateContainerd.image) \(id) /bin/sh -c 'tty; echo cols=$(stty size)'"
        let result = try await Command.run(["/usr/bin/script", "-qec", command, "/dev/null"], timeout: 120)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("/dev/pts/"), "stdout: \(result.stdout)")
    }

    /// The shim is killed while its VM runs; containerd's clean-up (`shim delete`) and
    /// `ctr task delete`/`ctr container rm` must leave no VM, mount, socket or state directory.
    @Test func killedShimLeavesNothingBehind() async throws {
        let id = uniqueID("crash")
        let run = try BackgroundCommand([
            "/usr/bin/ctr", "-a", ctrd.socket, "run", "-d", "--runtime", "io.containerd.kata.v2",
            PrivateContainerd.image, id, "/bin/sleep", "600",
        ])
        #expect(await run.wait(timeout: 120) == 0)
        let shimPID = try #require(Self.shimPID(for: id))
        let qemuPIDs = Self.qemuPIDs(for: id)
        #expect(!qemuPIDs.isEmpty)
        kill(shimPID, SIGKILL)
        _ = try await ctrd.ctr(["task", "delete", "-f", id], timeout: 60)
        _ = try await ctrd.ctr(["container", "rm", id], timeout: 60)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !Self.qemuPIDs(for: id).isEmpty {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Self.qemuPIDs(for: id).isEmpty, "QEMU still running")
        #expect(!FileManager.default.fileExists(atPath: "/run/vc/sbs/\(id)"))
        #expect(!FileManager.default.fileExists(atPath: "/run/kata-containers/shared/sandboxes/\(id)"))
        let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
        #expect(!mounts.contains("/run/kata-containers/shared/sandboxes/\(id)/"))
    }

    /// Twenty runs in a row: processes, mounts and the containerd shim's descriptors end where
    /// they started.
    @Test func repeatedRunsDoNotLeak() async throws {
        // Only what belongs to this containerd and these runs counts: other suites (and other
        // checkouts on this machine) may run VMs meanwhile.
        let prefix = uniqueID("rep")
        let before = Self.counts(ctrd: ctrd, idPrefix: prefix)
        for index in 0..<20 {
            let result = try await ctrd.run("\(prefix)-\(index)", ["/bin/true"])
            #expect(result.status == 0, "run \(index): \(result.stderr)")
        }
        // PromptExitTests bounds how long a shim outlives `ctr run --rm`; this is about leaks.
        var after = Self.counts(ctrd: ctrd, idPrefix: prefix)
        let settle = Date().addingTimeInterval(10)
        while after.shims > before.shims && Date() < settle {
            try await Task.sleep(for: .milliseconds(100))
            after = Self.counts(ctrd: ctrd, idPrefix: prefix)
        }
        #expect(after.qemu == before.qemu)
        #expect(after.shims == before.shims)
        #expect(after.kataMounts == before.kataMounts)
        #expect(after.containerdFDs <= before.containerdFDs + 2, "containerd fds \(before) -> \(after)")
    }

    struct Counts: Equatable, CustomStringConvertible {
        var qemu = 0, shims = 0, kataMounts = 0, containerdFDs = 0
        var description: String { "qemu=\(qemu) shims=\(shims) mounts=\(kataMounts) fds=\(containerdFDs)" }
    }

    static func counts(ctrd: PrivateContainerd, idPrefix: String) -> Counts {
        var counts = Counts()
        for (pid, cmdline) in processes() {
            if cmdline.contains("qemu-system") && cmdline.contains("sandbox-\(idPrefix)") { counts.qemu += 1 }
            if cmdline.contains("containerd-shim-kata-v2") && cmdline.contains("-address \(ctrd.socket) ") {
                counts.shims += 1
            }
            if cmdline.hasPrefix("containerd --config") && cmdline.contains(ctrd.work) {
                counts.containerdFDs +=
                    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count ?? 0
            }
        }
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        counts.kataMounts =
            mounts.split(separator: "\n").filter {
                $0.contains("/run/kata-containers/shared/sandboxes/\(idPrefix)")
            }
            .count
        return counts
    }

    static func processes() -> [(Int32, String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name in
            guard let pid = Int32(name),
                let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"), !data.isEmpty
            else { return nil }
            return (pid, String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self))
        }
    }

    static func shimPID(for id: String) -> Int32? {
        processes().first { $0.1.contains("containerd-shim-kata-v2") && $0.1.contains("-id \(id) ") }?.0
    }

    static func qemuPIDs(for id: String) -> [Int32] {
        processes().filter { $0.1.contains("qemu-system") && $0.1.contains("sandbox-\(id)") }.map(\.0)
    }
}
