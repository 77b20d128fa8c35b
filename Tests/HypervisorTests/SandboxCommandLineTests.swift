import Hypervisor
import KataConfig
import QEMU
import Testing

@Suite struct SandboxCommandLineTests {
    func plan(_ edit: (inout QEMUConfig) -> Void = { _ in }) throws -> VMPlan {
        var config = QEMUConfig()
        config.kernel = "/k/vmlinux"
        config.initrd = "/k/initrd.img"
        config.defaultVCPUs = 2
        config.defaultMemory = 512
        config.kernelParams = "agent.log=debug"
        edit(&config)
        return try VMPlan(
            sandboxID: "sb1", runDirectory: "/run/vc/sbs/sb1/vm", sharedDirectory: "/s/sb1/shared",
            configuration: config)
    }

    @Test func plainSandboxRendersExactly() throws {
        let args = try QEMUCommandLine.sandbox(plan(), accelerator: .tcg).arguments
        let expected = [
            "-name", "sandbox-sb1,debug-threads=on", "-machine", "q35,accel=tcg", "-cpu", "max", "-smp", "2",
            "-m",
            "512M", "-kernel", "/k/vmlinux", "-initrd", "/k/initrd.img", "-append",
            "console=ttyS0 panic=1 quiet tsc=reliable no_timer_check rcupdate.rcu_expedited=1 i8042.direct=1 "
                + "i8042.dumbkbd=1 i8042.nopnp=1 i8042.noaux=1 cryptomgr.notests pci=lastbus=0 agent.log=debug",
        ]
        #expect(Array(args.prefix(expected.count)) == expected)
        let joined = args.joined(separator: " ")
        #expect(joined.contains("-device virtio-serial-pci,id=serial0"))
        #expect(
            joined.contains("-chardev socket,id=agent,path=/run/vc/sbs/sb1/vm/agent.sock,server=on,wait=off"))
        #expect(joined.contains("-device virtserialport,chardev=agent,name=agent.channel.0"))
        #expect(joined.contains("-fsdev local,id=fsdev-share0,path=/s/sb1/shared,security_model=none"))
        #expect(joined.contains("-device virtio-9p-pci,id=share0,fsdev=fsdev-share0,mount_tag=kataShared"))
        #expect(
            joined.contains(
                "-chardev file,id=console,path=/run/vc/sbs/sb1/vm/console.log -serial chardev:console"))
    }

    /// A share the guest only reads is served read-only by QEMU; by default it is writable.
    @Test func readOnlyShareIsReadOnlyForQEMU() throws {
        var readOnly = try plan()
        readOnly.shareReadOnly = true
        let joined = try QEMUCommandLine.sandbox(readOnly, accelerator: .tcg).arguments.joined(separator: " ")
        #expect(
            joined.contains("-fsdev local,id=fsdev-share0,path=/s/sb1/shared,security_model=none,readonly=on")
        )
        let writable = try QEMUCommandLine.sandbox(plan(), accelerator: .tcg).arguments.joined(separator: " ")
        #expect(!writable.contains("readonly"))
    }

    /// This host has no AMD memory encryption: an SNP sandbox must fail before QEMU starts,
    /// saying why (the exact SNP arguments are covered by the QEMU module's string tests).
    @Test func snpSandboxOnAHostWithoutSNPSaysSo() throws {
        let plan = try plan {
            $0.confidentialGuest = true
            $0.guestProtection = .snp
            $0.firmware = "/usr/share/ovmf/OVMF.fd"
            $0.accelerator = .kvm
        }
        #expect {
            try QEMUCommandLine.sandbox(plan, accelerator: .kvm)
        } throws: { error in
            "\(error)".contains("0x8000001F")
        }
    }

    @Test func missingKernelOrInitrdIsAConfigError() {
        #expect(throws: (any Error).self) { try plan { $0.initrd = "" } }
        #expect(throws: (any Error).self) { try plan { $0.kernel = "" } }
        #expect(throws: (any Error).self) {
            try QEMUCommandLine.sandbox(
                try plan {
                    $0.confidentialGuest = true; $0.guestProtection = .tdx
                }, accelerator: .kvm)
        }
    }
}

@Suite struct SandboxConfinementTests {
    func plan(seccompSandbox: String) throws -> VMPlan {
        var config = QEMUConfig()
        config.kernel = "/k/vmlinux"
        config.initrd = "/k/initrd.img"
        config.seccompSandbox = seccompSandbox
        return try VMPlan(
            sandboxID: "sb1", runDirectory: "/run/vc/sbs/sb1/vm", sharedDirectory: "/s/sb1/shared",
            configuration: config)
    }

    /// upstream's `seccompsandbox` reaches `-sandbox` unchanged; empty means no filter.
    @Test func seccompSandboxFromTheConfigurationBecomesTheSandboxOption() throws {
        let value = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"
        let on = try QEMUCommandLine.sandbox(plan(seccompSandbox: value), accelerator: .tcg).arguments
        #expect(on.suffix(2) == ["-sandbox", value])
        let off = try QEMUCommandLine.sandbox(plan(seccompSandbox: ""), accelerator: .tcg).arguments
        #expect(!off.contains("-sandbox"))
    }

    /// The sandbox VM's only capability needs come from its writable 9p share.
    @Test func sandboxVMNeedsOnlyTheFileCapabilities() throws {
        let line = try QEMUCommandLine.sandbox(plan(seccompSandbox: ""), accelerator: .tcg)
        #expect(line.hostCapabilities.description == "chown,dac_override,dac_read_search,fowner,fsetid")
    }
}
