import Foundation
import Testing

/// What an ordinary containerd client can send that must not hurt the host or the shim: a
/// sandbox id that climbs out of /run/vc/sbs, and a signal number past Int32.
@Suite(.serialized, .privateContainerd)
struct HostileInputTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    func uniqueID(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// The annotation names a directory of ours (a temporary one) through `../../..` from
    /// /run/vc/sbs: Create is refused naming the annotation, and the directory is untouched.
    @Test func sandboxIDAnnotationCannotNameAHostDirectory() async throws {
        let victim = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueID("victim")).path
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: victim) }
        try "keep me".write(toFile: victim + "/file", atomically: true, encoding: .utf8)
        let id = uniqueID("hostile")
        let result = try await ctrd.run(
            id, ["/bin/true"],
            flags: [
                "--annotation", "io.kubernetes.cri.container-type=sandbox",
                "--annotation", "io.kubernetes.cri.sandbox-id=../../..\(victim)",
            ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("io.kubernetes.cri.sandbox-id"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("invalid argument"), "stderr: \(result.stderr)")
        #expect(try String(contentsOfFile: victim + "/file", encoding: .utf8) == "keep me")
        _ = try await ctrd.ctr(["container", "rm", id], timeout: 30)
        try await Self.expectNothingLeft(of: id, within: 10)
    }

    /// `ctr task kill -s 2147483648`: refused naming the signal; the shim lives on, and the
    /// task is then killed normally.
    @Test func outOfRangeSignalIsRefusedAndTheTaskStaysKillable() async throws {
        let id = uniqueID("sig")
        let run = try BackgroundCommand([
            "/usr/bin/ctr", "-a", ctrd.socket, "run", "--rm", "--runtime", "io.containerd.kata.v2",
            PrivateContainerd.image, id, "/bin/sleep", "600",
        ])
        defer { run.stop() }
        try await Self.waitUntilRunning(id, ctrd: ctrd)
        let shim = try #require(HostProcesses.shimPID(for: id))

        let refused = try await ctrd.ctr(["task", "kill", "-s", "2147483648", id], timeout: 30)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("signal 2147483648"), "stderr: \(refused.stderr)")
        #expect(kill(shim, 0) == 0, "the shim died")
        #expect(try await Self.taskStatus(id, ctrd: ctrd) == "RUNNING")

        #expect(try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id]).status == 0)
        #expect(await run.wait(timeout: 60) == 137)
        try await Self.expectNothingLeft(of: id, within: 10)
    }

    static func waitUntilRunning(_ id: String, ctrd: PrivateContainerd) async throws {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if try await taskStatus(id, ctrd: ctrd) == "RUNNING" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CommandFailure("task \(id) did not reach RUNNING")
    }

    static func taskStatus(_ id: String, ctrd: PrivateContainerd) async throws -> String? {
        let listing = try await ctrd.ctr(["task", "ls"], timeout: 30).stdout
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if fields.first == id { return fields.last }
        }
        return nil
    }

    /// What of sandbox `id` is still on the host: its shim, QEMU, state and share directories,
    /// mounts. Empty when nothing is.
    static func leftovers(of id: String) -> [String] {
        var found: [String] = []
        if HostProcesses.shimPID(for: id) != nil { found.append("shim process") }
        if !HostProcesses.qemuPIDs(for: id).isEmpty { found.append("QEMU process") }
        if FileManager.default.fileExists(atPath: "/run/vc/sbs/\(id)") { found.append("/run/vc/sbs/\(id)") }
        let share = "/run/kata-containers/shared/sandboxes/\(id)"
        if FileManager.default.fileExists(atPath: share) { found.append(share) }
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        if mounts.contains(share + "/") { found.append("a mount under \(share)") }
        return found
    }

    static func expectNothingLeft(
        of id: String, within seconds: TimeInterval, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !leftovers(of: id).isEmpty && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(
            leftovers(of: id).isEmpty, "left behind: \(leftovers(of: id))", sourceLocation: sourceLocation)
    }
}

/// `ctr run --rm` returns only after the sandbox container's Delete stopped the VM; the shim
/// exits right after the Shutdown that follows.
@Suite(.serialized, .privateContainerd)
struct PromptExitTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    @Test func nothingIsLeftWithinOneSecondOfRunRm() async throws {
        var lingering: [Double] = []
        for index in 0..<3 {
            let id = "rm\(index)-\(UUID().uuidString.prefix(8).lowercased())"
            let result = try await ctrd.run(id, ["/bin/true"])
            let returned = Date()
            #expect(result.status == 0, "stderr: \(result.stderr)")
            while !HostileInputTests.leftovers(of: id).isEmpty && Date().timeIntervalSince(returned) < 10 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let seconds = Date().timeIntervalSince(returned)
            lingering.append(seconds)
            #expect(
                HostileInputTests.leftovers(of: id).isEmpty, "\(id): \(HostileInputTests.leftovers(of: id))")
            #expect(
                seconds <= 1.0,
                "\(id): something of the sandbox lived \(seconds) s after ctr run --rm returned")
        }
        print("ctr run --rm returned -> nothing left: \(lingering.map { String(format: "%.3f s", $0) })")
    }
}
