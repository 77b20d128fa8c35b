import Foundation
import KataCore
import Testing
import VirtualMachine

@testable import QEMU

/// Real QEMU 7.2 under TCG: boot, pause, resume, quit, kill, failures. Every test checks that
/// no process, socket or pid file is left.
@Suite struct LifecycleTests {
    @Test func bootsKernelThenStopsContinuesAndQuits() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let instance = try await QEMUInstance.launch(
            try guest.commandLine(bootKernel: true), runDirectory: guest.runDirectory)
        let launched = ContinuousClock.now
        do {
            try await guest.waitForReady()
            print(
                "QEMU spawn->QMP ready: \(instance.startupDuration); kernel boot to init: \(ContinuousClock.now - launched)"
            )
            let events = instance.qmp.events()
            #expect(try await instance.qmp.queryStatus() == QMPStatus(status: "running", running: true))
            #expect(try await instance.qmp.queryVersion().major == 7)
            #expect(try await instance.qmp.queryCPUsFast().map(\.cpuIndex) == [0])

            try await instance.qmp.stop()
            #expect(try await instance.qmp.queryStatus() == QMPStatus(status: "paused", running: false))
            try await instance.qmp.cont()
            #expect(try await instance.qmp.queryStatus().running)

            #expect(await instance.stop() == .exited(0))
            var names: [String] = []
            for await event in events { names.append(event.name) }
            #expect(names == ["STOP", "RESUME", "SHUTDOWN"])
        } catch {
            print(
                "console:", (try? String(contentsOfFile: guest.consoleLog, encoding: .utf8)) ?? "",
                instance.output)
            await instance.stop()
            throw error
        }
        TestGuest.expectGone(instance)
    }

    @Test func killNineIsNoticedWithinOneSecond() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let instance = try await QEMUInstance.launch(
            try guest.commandLine(bootKernel: false, startPaused: true), runDirectory: guest.runDirectory)
        print("QEMU spawn->QMP ready (no kernel, -S): \(instance.startupDuration)")
        #expect(try await instance.qmp.queryStatus() == QMPStatus(status: "prelaunch", running: false))
        // A command in flight when QEMU dies fails at once instead of hanging.
        instance.signal(SIGSTOP)
        let pending = Task { try await instance.qmp.execute("query-status", timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))

        let killed = ContinuousClock.now
        #expect(kill(instance.pid, SIGKILL) == 0)
        #expect(await instance.waitForExit() == .signaled(SIGKILL))
        let noticed = ContinuousClock.now - killed
        print("kill -9 noticed after \(noticed)")
        #expect(noticed < .seconds(1))
        let error = await #expect(throws: KataError.self) { try await pending.value }
        #expect(error?.code == .failedPrecondition)
        #expect(ContinuousClock.now - killed < .seconds(1))

        #expect(await instance.stop() == .signaled(SIGKILL))
        TestGuest.expectGone(instance)
    }

    @Test func commandTimeoutThenStopFallsBackToSIGKILL() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let instance = try await QEMUInstance.launch(
            try guest.commandLine(bootKernel: false, startPaused: true), runDirectory: guest.runDirectory)
        instance.signal(SIGSTOP)
        let error = await #expect(throws: KataError.self) {
            try await instance.qmp.execute("query-status", timeout: .milliseconds(200))
        }
        #expect(error?.code == .timeout)
        // A stopped QEMU cannot answer `quit`: stop() must SIGKILL it after its timeout.
        let started = ContinuousClock.now
        #expect(await instance.stop(timeout: .milliseconds(300)) == .signaled(SIGKILL))
        #expect(ContinuousClock.now - started < .seconds(2))
        TestGuest.expectGone(instance)
    }

    @Test func earlyExitIsReportedWithQEMUsOwnError() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        var commandLine = try guest.commandLine(bootKernel: false, startPaused: true)
        // QEMU 7.2 has no SNP: it refuses the object while parsing arguments.
        commandLine.objects.append(try SNPGuest(bits: EncryptionBits(cBitPosition: 51, reducedPhysBits: 1)))
        let error = await #expect(throws: KataError.self) {
            _ = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        }
        #expect(error?.code == .remote)
        #expect(error?.message.contains("Parameter 'qom-type' does not accept value 'sev-snp-guest'") == true)
        #expect(!FileManager.default.fileExists(atPath: guest.runDirectory))
    }

    /// No SEV here: with KVM, QEMU 7.2 accepts the sev-guest syntax and fails in SEV setup.
    @Test func sevGuestFailsInSEVInitialisationNotInParsing() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        var commandLine = try guest.commandLine(bootKernel: false, startPaused: true)
        commandLine.machine.accelerator = .kvm
        // No `-cpu`: `-cpu host` aborts on this nested KVM before SEV is reached.
        commandLine.apply(
            .sev(
                SEVGuest(bits: EncryptionBits(cBitPosition: 51, reducedPhysBits: 1), policy: 0x3),
                firmware: "/usr/share/ovmf/OVMF.fd"))
        let error = await #expect(throws: KataError.self) {
            _ = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        }
        #expect(error?.code == .remote)
        #expect(error?.message.contains("sev_kvm_init") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("Parameter") == false)
        #expect(error?.message.contains("Invalid parameter") == false)
        #expect(!FileManager.default.fileExists(atPath: guest.runDirectory))
    }

    @Test func runDirectoryMustBeNewAbsoluteAndShort() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let commandLine = try guest.commandLine(bootKernel: false)
        for bad in [
            guest.directory.path, "relative/run",
            guest.directory.path + "/" + String(repeating: "x", count: 100),
        ] {
            let error = await #expect(throws: KataError.self) {
                _ = try await QEMUInstance.launch(commandLine, runDirectory: bad)
            }
            #expect(error?.code == (bad == guest.directory.path ? .system : .invalidArgument))
        }
        #expect(FileManager.default.fileExists(atPath: guest.directory.path))
    }

    @Test func missingBinaryFailsCleanly() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        var commandLine = try guest.commandLine(bootKernel: false)
        commandLine.binary = guest.directory.path + "/no-such-qemu"
        let error = await #expect(throws: KataError.self) {
            _ = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        }
        #expect(error?.code == .system)
        #expect(!FileManager.default.fileExists(atPath: guest.runDirectory))
    }
}
