import KataCore
import Testing
import VirtualMachine

@testable import QEMU

/// What a `VirtualMachineDescription` becomes on QEMU's command line: everything comes from the
/// description (accelerator, CPU model, firmware, the confidential object), nothing from the host.
@Suite struct DescriptionRenderingTests {
    static let bits = EncryptionBits(cBitPosition: 51, reducedPhysBits: 1)
    static let kernelCommandLine = "console=ttyS0 panic=1 quiet agent.log=debug"

    /// A plain sandbox VM as the launch planner describes one under TCG.
    static func plain(_ edit: (inout VirtualMachineDescription) -> Void = { _ in })
        -> VirtualMachineDescription
    {
        var vm = VirtualMachineDescription(
            sandboxID: "sb1", runDirectory: "/run/vc/sbs/sb1/vm",
            hypervisorPath: "/usr/bin/qemu-system-x86_64",
            accelerator: .tcg, cpuModel: "max", vcpus: 2, memoryMiB: 512, kernel: "/k/vmlinux",
            initrd: "/k/initrd.img", kernelCommandLine: kernelCommandLine,
            shares: [SharedDirectory(hostPath: "/s/sb1/shared", tag: "kataShared")],
            agentChannel: .virtioSerial(socketPath: "/run/vc/sbs/sb1/vm/agent.sock"),
            entropySource: "/dev/urandom")
        edit(&vm)
        return vm
    }

    /// A confidential VM: KVM, firmware, the given launch and CPU.
    static func confidential(
        _ launch: ConfidentialLaunch, cpuModel: String = "host", cpuFeatures: [String] = ["pmu=off"]
    ) -> VirtualMachineDescription {
        plain {
            $0.accelerator = .kvm
            $0.cpuModel = cpuModel
            $0.cpuFeatures = cpuFeatures
            $0.firmware = "/fw/OVMF.fd"
            $0.shares = []
            $0.entropySource = nil
            $0.confidential = launch
        }
    }

    static func arguments(_ vm: VirtualMachineDescription) throws -> [String] {
        try QEMUCommandLine(rendering: vm).arguments
    }

    /// The whole argv, in order: the same as before the description existed.
    @Test func plainSandboxRendersExactly() throws {
        #expect(
            try Self.arguments(Self.plain()) == [
                "-name", "sandbox-sb1,debug-threads=on", "-machine", "q35,accel=tcg", "-cpu", "max", "-smp",
                "2",
                "-m", "512M", "-kernel", "/k/vmlinux", "-initrd", "/k/initrd.img", "-append",
                Self.kernelCommandLine,
                "-device", "virtio-serial-pci,id=serial0",
                "-chardev", "socket,id=agent,path=/run/vc/sbs/sb1/vm/agent.sock,server=on,wait=off",
                "-device", "virtserialport,chardev=agent,name=agent.channel.0",
                "-fsdev", "local,id=fsdev-share0,path=/s/sb1/shared,security_model=none",
                "-device", "virtio-9p-pci,id=share0,fsdev=fsdev-share0,mount_tag=kataShared",
                "-object", "rng-random,id=rng-rng0,filename=/dev/urandom",
                "-device", "virtio-rng-pci,id=rng0,rng=rng-rng0",
                "-chardev", "file,id=console,path=/run/vc/sbs/sb1/vm/console.log", "-serial",
                "chardev:console",
                "-no-user-config", "-nodefaults", "-nographic", "--no-reboot",
            ])
    }

    /// A share the guest only reads is served read-only by QEMU; by default it is writable.
    @Test func readOnlyShareIsReadOnlyForQEMU() throws {
        let readOnly = try Self.arguments(Self.plain { $0.shares[0].readOnly = true }).joined(separator: " ")
        #expect(
            readOnly.contains(
                "-fsdev local,id=fsdev-share0,path=/s/sb1/shared,security_model=none,readonly=on"))
        #expect(!(try Self.arguments(Self.plain()).joined(separator: " ").contains("readonly")))
    }

    /// A read-only disk (the initdata disk): a raw `-blockdev` node opened read-only behind
    /// virtio-blk-pci, after the other devices; none without one.
    @Test func readOnlyDiskIsARawReadOnlyBlockdev() throws {
        let argv = try Self.arguments(
            Self.plain {
                $0.readOnlyDisks = [ReadOnlyDisk(id: "initdata", path: "/run/vc/sbs/sb1/initdata.img")]
            })
        let rng = try #require(argv.firstIndex(of: "virtio-rng-pci,id=rng0,rng=rng-rng0"))
        #expect(
            Array(argv[(rng + 1)...].prefix(4)) == [
                "-blockdev",
                "driver=raw,node-name=drive-initdata,file.driver=file,file.filename=/run/vc/sbs/sb1/initdata.img,read-only=on",
                "-device", "virtio-blk-pci,id=initdata,drive=drive-initdata",
            ])
        #expect(!(try Self.arguments(Self.plain())).contains("-blockdev"))
    }

    /// No share (`shared_fs = "none"`), no entropy source: no 9p and no RNG device at all.
    @Test func absentSharesAndEntropyRenderNoDevices() throws {
        let joined = try Self.arguments(
            Self.plain {
                $0.shares = []
                $0.entropySource = nil
            }
        ).joined(separator: " ")
        #expect(!joined.contains("9p") && !joined.contains("-fsdev") && !joined.contains("rng"))
        let two = try Self.arguments(
            Self.plain {
                $0.shares.append(SharedDirectory(hostPath: "/s/other", tag: "other", readOnly: true))
            })
        #expect(two.contains("virtio-9p-pci,id=share1,fsdev=fsdev-share1,mount_tag=other"))
    }

    /// The vsock channel gives the guest its context id and no virtio-serial port.
    @Test func vsockAgentChannel() throws {
        let joined = try Self.arguments(Self.plain { $0.agentChannel = .vsock(guestCID: 7, port: 1024) })
            .joined(separator: " ")
        #expect(joined.contains("-device vhost-vsock-pci,id=vsock0,guest-cid=7"))
        #expect(!joined.contains("virtserialport") && !joined.contains("virtio-serial-pci"))
    }

    /// CPU model and features are the description's, in QEMU's spelling; so is the accelerator.
    @Test func cpuAndAcceleratorComeFromTheDescription() throws {
        let args = try Self.arguments(
            Self.plain {
                $0.accelerator = .kvm
                $0.cpuModel = "host"
                $0.cpuFeatures = ["-vmx-rdseed-exit", "pmu=off", "+avx", "x2apic"]
            })
        #expect(args.contains("q35,accel=kvm"))
        #expect(args.contains("host,-vmx-rdseed-exit,pmu=off,+avx,x2apic=on"))
    }

    /// A plain guest with firmware loads it with -bios; without, QEMU's built-in BIOS (nothing).
    @Test func plainFirmwareIsBIOS() throws {
        #expect(try Self.arguments(Self.plain { $0.firmware = "/fw/OVMF.fd" }).contains("-bios"))
        let joined = try Self.arguments(Self.plain()).joined(separator: " ")
        #expect(!joined.contains("-bios") && !joined.contains("pflash"))
    }

    /// upstream's `seccompsandbox` reaches `-sandbox` unchanged, last; nil means no filter.
    @Test func seccompSandboxBecomesTheSandboxOption() throws {
        let value = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"
        #expect(
            try Self.arguments(Self.plain { $0.seccompSandbox = value }).suffix(2) == ["-sandbox", value])
        #expect(!(try Self.arguments(Self.plain()).contains("-sandbox")))
    }

    /// The sandbox VM's only capability needs come from its writable 9p share.
    @Test func sandboxVMNeedsOnlyTheFileCapabilities() throws {
        let line = try QEMUCommandLine(rendering: Self.plain())
        #expect(line.hostCapabilities.description == "chown,dac_override,dac_read_search,fowner,fsetid")
        let sev = try QEMUCommandLine(
            rendering: Self.confidential(.sev(SEVLaunchOptions(policy: 0x3, bits: Self.bits))))
        #expect(sev.hostCapabilities == .memoryLock)
    }

    @Test func sevLaunchIsPflashWithKernelHashes() throws {
        let joined = try Self.arguments(
            Self.confidential(.sev(SEVLaunchOptions(policy: 0x7, bits: Self.bits)))
        )
        .joined(separator: " ")
        let expected = [
            "-machine q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=sev -cpu host,pmu=off",
            "-smp 2 -m 512M -object sev-guest,id=sev,cbitpos=51,reduced-phys-bits=1,policy=0x7,kernel-hashes=on",
            "-drive if=pflash,format=raw,readonly=on,file=/fw/OVMF.fd -kernel /k/vmlinux",
        ].joined(separator: " ")
        #expect(joined.contains(expected), "\(joined)")
        #expect(!joined.contains("-bios"))
    }

    /// SNP: the vCPU model is the description's (the planner's EPYC-v4), the firmware -bios,
    /// and every launch option reaches the object.
    @Test func snpLaunchIsBIOSWithEveryOption() throws {
        let options = SNPLaunchOptions(
            policy: 0x30000, bits: Self.bits, idBlock: "SUQtQkxPQ0s=", idAuth: "SUQtQVVUSA==",
            hostData: Array(0..<32))
        let joined = try Self.arguments(
            Self.confidential(.snp(options), cpuModel: SNPLaunchOptions.vcpuModel)
        )
        .joined(separator: " ")
        let expected = [
            "-machine q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=snp -cpu EPYC-v4,pmu=off",
            "-smp 2 -m 512M -object sev-snp-guest,id=snp,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on,policy=0x30000",
        ].joined(separator: " ")
        #expect(joined.contains(expected), "\(joined)")
        #expect(
            joined.contains(
                "host-data=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,id-block=SUQtQkxPQ0s=,id-auth=SUQtQVVUSA== -bios /fw/OVMF.fd"
            ))
        var bad = options
        bad.hostData = [1, 2, 3]
        #expect(throws: KataError.self) { try Self.arguments(Self.confidential(.snp(bad))) }
    }

    /// TDX takes the JSON object form (the quote socket is nested) and -bios.
    @Test func tdxLaunchIsJSONObjectAndBIOS() throws {
        let options = TDXLaunchOptions(
            mrConfigID: [UInt8](repeating: 0xab, count: 48),
            quoteGenerationService: .vsock(cid: 2, port: 4050))
        let args = try Self.arguments(
            Self.confidential(.tdx(options), cpuFeatures: ["-vmx-rdseed-exit", "pmu=off"]))
        let object = [
            #"{"qom-type":"tdx-guest","id":"tdx","#,
            #""mrconfigid":"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur","#,
            #""quote-generation-socket":{"type":"vsock","cid":"2","port":"4050"}}"#,
        ].joined()
        #expect(
            Array(args[2..<12]) == [
                "-machine", "q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=tdx",
                "-cpu", "host,-vmx-rdseed-exit,pmu=off", "-smp", "2", "-m", "512M", "-object", object,
            ])
        #expect(args[12...].starts(with: ["-bios", "/fw/OVMF.fd", "-kernel"]))
        let unix = try Self.arguments(
            Self.confidential(
                .tdx(TDXLaunchOptions(quoteGenerationService: .unix(path: "/var/run/tdx-qgs/qgs.socket")))))
        #expect(
            unix.contains(
                #"{"qom-type":"tdx-guest","id":"tdx","quote-generation-socket":{"type":"unix","path":"/var/run/tdx-qgs/qgs.socket"}}"#
            ))
    }

    /// The planner guarantees firmware and KVM for a confidential guest; should a description
    /// lack either, rendering says which instead of QEMU failing obscurely.
    @Test func confidentialWithoutFirmwareOrKVMIsRefused() throws {
        var noFirmware = Self.confidential(.snp(SNPLaunchOptions(bits: Self.bits)))
        noFirmware.firmware = nil
        let missing = #expect(throws: KataError.self) { try Self.arguments(noFirmware) }
        #expect(missing?.code == .invalidConfig && missing?.message.contains("firmware") == true)
        var tcg = Self.confidential(.tdx(TDXLaunchOptions()))
        tcg.accelerator = .tcg
        let notKVM = #expect(throws: KataError.self) { try Self.arguments(tcg) }
        #expect(notKVM?.message.contains("needs KVM") == true)
    }

    /// The backend's argv is the executable, the rendering, and the QMP socket and pid file
    /// `launch` adds in the run directory: exactly what it spawns.
    @Test func backendCommandLineIsWhatLaunchRuns() throws {
        let vm = Self.plain()
        let argv = try QEMUBackend().commandLine(for: vm)
        #expect(argv.first == "/usr/bin/qemu-system-x86_64")
        let joined = argv.joined(separator: " ")
        #expect(joined.contains("-chardev socket,id=qmp,path=/run/vc/sbs/sb1/vm/qmp.sock,server=on,wait=off"))
        #expect(joined.contains("-pidfile /run/vc/sbs/sb1/vm/qemu.pid"))
        let launched = QEMUInstance.prepared(
            try QEMUCommandLine(rendering: vm), runDirectory: vm.runDirectory)
        #expect(Array(argv.dropFirst()) == launched.arguments)
        #expect(QEMUBackend().name == "qemu")
    }
}
