import Foundation
import Host
import KataCore
import Testing

@testable import QEMU

/// A real QEMU started by QEMUInstance: it holds only the capabilities its command line
/// needs (read back from /proc/<pid>/status), and `-sandbox` installs its seccomp filter
/// without keeping a TCG guest from booting.
@Suite struct ConfinementTests {
    /// What this test process may hand on: the bounding set caps what any child could get.
    static func ownBounding() throws -> CapabilitySet {
        try ProcessSecurityStatus.read(path: "/proc/self/status").bounding
    }

    @Test func qemuWithoutCapabilityNeedsStartsWithNone() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let before = try ProcessSecurityStatus.read(path: "/proc/self/status")
        let instance = try await QEMUInstance.launch(
            try guest.commandLine(bootKernel: false, startPaused: true), runDirectory: guest.runDirectory)
        let status = try ProcessSecurityStatus.read(pid: instance.pid)
        await instance.stop()
        #expect(instance.capabilities == .empty)
        #expect(status.effective == .empty && status.permitted == .empty && status.bounding == .empty)
        #expect(status.inheritable == .empty && status.ambient == .empty)
        #expect(status.seccompMode == 0, "no -sandbox asked for")
        // The runtime itself keeps what it had: only the spawning thread was narrowed.
        #expect(try ProcessSecurityStatus.read(path: "/proc/self/status") == before)
        TestGuest.expectGone(instance)
    }

    @Test func qemuServingA9PShareKeepsOnlyTheFileCapabilities() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let shared = guest.directory.appendingPathComponent("shared").path
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        var commandLine = try guest.commandLine(bootKernel: false, startPaused: true)
        commandLine.devices.append(Virtio9P(id: "share0", path: shared, mountTag: "kataShared"))
        let instance = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        let status = try ProcessSecurityStatus.read(pid: instance.pid)
        await instance.stop()
        let expected = CapabilitySet.fileWrite.intersection(try Self.ownBounding())
        #expect(expected == .fileWrite, "this test runs as root with the file capabilities")
        #expect(instance.capabilities == expected)
        #expect(status.effective == expected, "CapEff \(status.effective)")
        #expect(status.permitted == expected && status.bounding == expected, "CapBnd \(status.bounding)")
        #expect(status.inheritable == .empty && status.ambient == .empty)
        TestGuest.expectGone(instance)
    }

    @Test func sandboxedQEMUBootsAGuestUnderSeccomp() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        var commandLine = try guest.commandLine(bootKernel: true)
        commandLine.seccompSandbox = ConfinementArgumentTests.sandbox
        let instance = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        do {
            let status = try ProcessSecurityStatus.read(pid: instance.pid)
            #expect(status.seccompMode == 2, "Seccomp: \(status.seccompMode)")
            #expect(status.noNewPrivileges)
            try await guest.waitForReady()
            #expect(try await instance.qmp.queryStatus().running)
        } catch {
            await instance.stop()
            throw error
        }
        #expect(await instance.stop() == .exited(0))
        TestGuest.expectGone(instance)
    }

    @Test func aSandboxValueQEMURefusesIsReportedWithItsError() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        var commandLine = try guest.commandLine(bootKernel: false, startPaused: true)
        commandLine.seccompSandbox = "on,spawn=sometimes"
        let error = await #expect(throws: KataError.self) {
            _ = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        }
        #expect(error?.code == .remote)
        #expect(error?.message.contains("spawn") == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: guest.runDirectory))
    }
}
