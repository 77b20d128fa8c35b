import Foundation
import KataCore
import Testing

/// The shim and kata-monitor log to the systemd journal with identifier `kata`. journald does
/// not run on this machine, so tests/journald/journal_test.sh starts one of its own inside a
/// private mount namespace (nothing of the host's journal is touched) and runs a kata
/// container and kata-monitor there.
@Suite(.serialized)
struct JournalTests {
    @Test func theShimAndKataMonitorLogStructuredEntriesAsKata() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "journal-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work + "/bin", withIntermediateDirectories: true)
        for name in ["containerd-shim-kata-v2", "kata-monitor"] {
            try FileManager.default.createSymbolicLink(
                atPath: work + "/bin/" + name,
                withDestinationPath: PrivateContainerd.binDirectory + "/" + name)
        }
        try PrivateContainerd.testConfiguration().write(
            toFile: work + "/configuration.toml", atomically: true, encoding: .utf8)
        let image = work + "/busybox.tar"
        _ = try await Command.run([PrivateContainerd.repo + "/scripts/busybox-image.sh", image], timeout: 60)
        let id = "journal-\(UUID().uuidString.prefix(6).lowercased())"
        let run = try await Command.run(
            [
                "/usr/bin/unshare", "-m", "--propagation", "private",
                PrivateContainerd.repo + "/tests/journald/journal_test.sh",
                work, image, id,
            ],
            environment: [
                "PATH": work + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "KATA_CONF_FILE": work + "/configuration.toml",
            ], timeout: 300)
        let ctrOutput = (try? String(contentsOfFile: work + "/ctr.out", encoding: .utf8)) ?? ""
        #expect(run.status == 0, "journal_test.sh: \(run.stderr) ctr: \(ctrOutput)")
        #expect(ctrOutput.contains("hello-journal"))

        let lines = ((try? String(contentsOfFile: work + "/journal.json", encoding: .utf8)) ?? "")
            .split(separator: "\n")
        let entries = lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let ready = entries.first {
            $0["MESSAGE"] as? String == "sandbox ready" && $0["SANDBOX"] as? String == id
        }
        #expect(ready != nil, "no 'sandbox ready' entry for \(id) among \(entries.count) kata entries")
        if let ready {
            #expect(ready["SYSLOG_IDENTIFIER"] as? String == "kata")
            #expect(Int(ready["BOOT_TO_AGENT_MS"] as? String ?? "") != nil, "structured field: \(ready)")
            #expect(ready["PRIORITY"] as? String == "6")
        }
        #expect(
            entries.contains {
                ($0["MESSAGE"] as? String) == "kata-monitor listening"
                    && $0["SUBSYSTEM"] as? String == "kata-monitor"
            },
            "kata-monitor's start is in the journal")
        // The namespace is gone with its processes: nothing of it is left on the host.
        #expect(HostProcesses.qemuPIDs(for: id).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/run/systemd/journal/socket"))
    }
}
