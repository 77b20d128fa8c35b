import Foundation
import Testing

/// The sandbox VM that containerd starts through the shim runs confined: QEMU under its
/// seccomp filter (the suites' configuration sets `seccompsandbox`) and with only the
/// capabilities its 9p share needs, in every set: the file capabilities for a writable share,
/// the read ones for a read-only share.
@Suite(.serialized, .privateContainerd)
struct ConfinedVMTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    /// The capability mask (/proc/<pid>/status form) QEMU may hold for its 9p share.
    enum Share: String, CaseIterable, Sendable {
        /// CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID (bits 0-4).
        case writable = "000000000000001f"
        /// CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH (bits 1-2): `ctr run --read-only` makes the
        /// share read-only (ReadOnlyShareTests), so QEMU needs no capability to write.
        case readOnly = "0000000000000006"
    }

    @Test(arguments: Share.allCases)
    func sandboxQEMURunsUnderSeccompWithOnlyTheShareCapabilities(share: Share) async throws {
        let id = "confined-\(UUID().uuidString.prefix(8).lowercased())"
        try await withCleanup {
            let run = try await ctrd.startRun(
                id, ["/bin/sleep", "600"], flags: share == .readOnly ? ["--read-only"] : [])
            defer { run.stop() }
            let qemu = try #require(HostProcesses.qemuPIDs(for: id).first)
            let status = try Self.statusFields(of: qemu)
            #expect(status["Seccomp"] == "2", "Seccomp: \(status["Seccomp"] ?? "-")")
            #expect(status["NoNewPrivs"] == "1")
            for set in ["CapEff", "CapPrm", "CapBnd"] {
                #expect(status[set] == share.rawValue, "\(set): \(status[set] ?? "-")")
            }
            #expect(status["CapInh"] == "0000000000000000" && status["CapAmb"] == "0000000000000000")
            // The container still works under it: it reads, and on a writable share writes,
            // through QEMU's 9p server.
            let command =
                share == .writable ? "echo data > /written && cat /written" : "head -c 5 /etc/passwd; echo"
            let exec = try await ctrd.ctr(["task", "exec", "--exec-id", "x", id, "/bin/sh", "-c", command])
            #expect(
                exec.status == 0 && exec.stdout == (share == .writable ? "data\n" : "root:\n"),
                "exec: \(exec.stdout) \(exec.stderr)")
            #expect(try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id]).status == 0)
            #expect(await run.wait(timeout: 60) == 137)
        } cleanup: {
            await ctrd.forceRemove(id)
        }
    }

    /// The `Key:\tvalue` lines of /proc/<pid>/status.
    static func statusFields(of pid: Int32) throws -> [String: String] {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return fields
    }
}
