import Host
import Testing
import VirtualMachine

@testable import QEMU

/// What a command line asks for beyond its arguments: QEMU's seccomp filter and the Linux
/// capabilities its parts need (pure values; ConfinementTests checks a real QEMU).
@Suite struct ConfinementArgumentTests {
    static let sandbox = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

    @Test func sandboxOptionIsPassedAsGivenAfterTheFixedOptions() {
        var commandLine = QEMUCommandLine(
            machine: Machine(accelerator: .tcg), memory: Memory(size: .mebibytes(64)))
        #expect(!commandLine.arguments.contains("-sandbox"))
        commandLine.seccompSandbox = Self.sandbox
        commandLine.extraArguments = ["-trace", "none"]
        #expect(
            commandLine.arguments.suffix(5) == ["--no-reboot", "-sandbox", Self.sandbox, "-trace", "none"])
    }

    @Test func partsNameTheCapabilitiesTheyNeed() throws {
        let share = Virtio9P(id: "s", path: "/srv", mountTag: "t")
        #expect(
            share.hostCapabilities.names == ["chown", "dac_override", "dac_read_search", "fowner", "fsetid"])
        var readOnly = share
        readOnly.readOnly = true
        #expect(readOnly.hostCapabilities.names == ["dac_override", "dac_read_search"])
        #expect(VirtioNet(id: "n", tapInterface: "tap0").hostCapabilities.names == ["net_admin"])
        #expect(VirtioNet(id: "n", tapInterface: "tap0", tapFDs: [3]).hostCapabilities.isEmpty)
        let bits = EncryptionBits(cBitPosition: 51, reducedPhysBits: 1)
        #expect(SEVGuest(bits: bits, policy: 1).hostCapabilities.names == ["ipc_lock"])
        #expect(try SNPGuest(bits: bits).hostCapabilities.names == ["ipc_lock"])
        #expect(VirtioRNG(id: "r").hostCapabilities.isEmpty)
        #expect(VirtioSerial(id: "v").hostCapabilities.isEmpty)
    }

    @Test func commandLineNeedsTheUnionOfItsParts() throws {
        var commandLine = QEMUCommandLine(
            machine: Machine(accelerator: .tcg), memory: Memory(size: .mebibytes(64)))
        #expect(commandLine.hostCapabilities == .empty)
        commandLine.devices = [
            VirtioRNG(id: "r"), Virtio9P(id: "s", path: "/srv", mountTag: "t", readOnly: true),
        ]
        #expect(commandLine.hostCapabilities == .fileRead)
        commandLine.apply(
            .sev(
                SEVGuest(bits: EncryptionBits(cBitPosition: 51, reducedPhysBits: 1), policy: 1),
                firmware: "/f"))
        #expect(commandLine.hostCapabilities == CapabilitySet.fileRead.union(.memoryLock))
    }
}
