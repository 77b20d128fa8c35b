import Foundation
import Testing

/// The sandbox VM that containerd starts through the shim runs confined: QEMU under its
/// seccomp filter (the suites' configuration sets `seccompsandbox`) and with only the
/// capabilities its 9p share needs, in every set.
@Suite(.serialized, .privateContainerd)
struct ConfinedVMTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    /// CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID (bits 0-4).
    static let fileCapabilities = "000000000000001f"

    @Test func sandboxQEMURunsUnderSeccompWithOnlyTheFileCapabilities() async throws {
        let id = "confined-\(UUID().uuidString.prefix(8).lowercased())"
        try await withCleanup {
            let run = try await ctrd.startRun(id, ["/bin/sleep", "600"])
            defer { run.stop() }
            let qemu = try #require(HostProcesses.qemuPIDs(for: id).first)
            let status = try Self.statusFields(of: qemu)
            #expect(status["Seccomp"] == "2", "Seccomp: \(status["Seccomp"] ?? "-")")
            #expect(status["NoNewPrivs"] == "1")
            for set in ["CapEff", "CapPrm", "CapBnd"] {
                #expect(status[set] == Self.fileCapabilities, "\(set): \(status[set] ?? "-")")
            }
            #expect(status["CapInh"] == "0000000000000000" && status["CapAmb"] == "0000000000000000")
            // The container still works under it: files written in the guest land on the share.
            let exec = try await ctrd.ctr([
                "task", "exec", "--exec-id", "w", id, "/bin/sh", "-c", "echo data > /written && cat /written",
            ])
            #expect(exec.status == 0 && exec.stdout == "data\n", "exec: \(exec.stdout) \(exec.stderr)")
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
