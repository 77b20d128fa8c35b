import KataCore
import VirtualMachine

extension QEMUCommandLine {
    /// Renders a VM description, deciding nothing the description does not say: kernel and
    /// initrd boot, the agent channel (a virtio-serial port on a unix-socket chardev, or
    /// vhost-vsock), each share over virtio-9p, an entropy device, read-only disks over
    /// virtio-blk, the serial console into a log file, QEMU's seccomp filter, and for a
    /// confidential guest its object and firmware.
    /// Network cards are virtio-net on tap descriptors QEMU inherits (fd 3 up), no option ROM.
    public init(rendering vm: VirtualMachineDescription) throws {
        self.init(
            binary: vm.hypervisorPath, name: "sandbox-\(vm.sandboxID)",
            machine: Machine(type: vm.machineType, accelerator: vm.accelerator),
            cpu: CPU(model: vm.cpuModel, features: vm.cpuFeatures.map(CPU.Feature.init(spelling:))),
            smp: SMP(cpus: vm.vcpus), memory: Memory(size: .mebibytes(vm.memoryMiB)),
            kernel: KernelBoot(kernel: vm.kernel, initrd: vm.initrd, commandLine: vm.kernelCommandLine),
            devices: Self.agentDevices(vm.agentChannel) + Self.shareDevices(vm.shares)
                + (vm.entropySource.map { [VirtioRNG(id: "rng0", source: $0)] } ?? [])
                // Root ports take fixed slots: before any device QEMU places itself.
                + Self.hotplugPorts(vm.hotplugPorts) + Self.readOnlyDiskDevices(vm.readOnlyDisks)
                + Self.networkDevices(vm.networkDevices),
            consoleLog: SerialConsoleLog(path: vm.consoleLogPath), seccompSandbox: vm.seccompSandbox)
        passedDescriptors = vm.networkDevices.map(\.tapDescriptor)
        if let confidential = vm.confidential {
            apply(try Self.confidentialGuest(confidential, vm: vm))
        } else if let firmware = vm.firmware {
            self.firmware = .bios(firmware)
        }
    }

    static func agentDevices(_ channel: AgentChannel) -> [any QEMUArgumentConvertible] {
        switch channel {
        case .virtioSerial(let socketPath):
            [
                VirtioSerial(id: "serial0"),
                VirtSerialPort(name: AgentChannel.portName, chardevID: "agent", socketPath: socketPath),
            ]
        case .vsock(let guestCID, _):
            // The port is the agent's business; QEMU only gives the guest its context id.
            [VhostVsock(id: "vsock0", guestCID: guestCID)]
        }
    }

    static func shareDevices(_ shares: [SharedDirectory]) -> [any QEMUArgumentConvertible] {
        shares.enumerated().map { index, share in
            Virtio9P(id: "share\(index)", path: share.hostPath, mountTag: share.tag, readOnly: share.readOnly)
        }
    }

    /// Raw images on `-blockdev` (read-only on the format node, which its file node inherits)
    /// behind virtio-blk-pci: QEMU opens the file read-only and the guest cannot write it.
    static func readOnlyDiskDevices(_ disks: [ReadOnlyDisk]) -> [any QEMUArgumentConvertible] {
        disks.map { VirtioBlock(id: $0.id, path: $0.path, format: .raw, readOnly: true) }
    }

    /// The n-th card's tap is the n-th passed descriptor: number 3 + n in QEMU. The option ROM
    /// (iPXE) is left out: the guest boots from the kernel, and loading it costs boot time.
    static func networkDevices(_ devices: [NetworkDevice]) -> [any QEMUArgumentConvertible] {
        devices.enumerated().map { index, device in
            VirtioNet(
                id: device.id, tapFDs: [ChildProcess.firstPassedDescriptor + Int32(index)],
                macAddress: device.macAddress, romFile: "")
        }
    }

    /// Empty root ports at fixed slots of bus 0 (`HotplugPorts`), so a hot-plugged device's
    /// guest PCI path is known before the guest sees it.
    static func hotplugPorts(_ count: Int) -> [any QEMUArgumentConvertible] {
        (0..<min(max(count, 0), HotplugPorts.maxPorts)).map { index in
            PCIeRootPort(
                id: HotplugPorts.portID(index), chassis: 1, slot: index + 1,
                address: "0x" + String(HotplugPorts.firstSlot + index, radix: 16))
        }
    }

    /// The object for the description's launch options. Firmware and KVM are checked again
    /// here although the planner guarantees both: QEMU's own errors for them are obscure.
    static func confidentialGuest(_ launch: ConfidentialLaunch, vm: VirtualMachineDescription) throws
        -> ConfidentialGuest
    {
        let protection = launch.protection.rawValue
        guard let firmware = vm.firmware else {
            throw KataError(
                .invalidConfig, "a \(protection) guest needs a firmware image; the description has none")
        }
        guard vm.accelerator == .kvm else {
            throw KataError(.invalidConfig, "a \(protection) guest needs KVM, not \(vm.accelerator.rawValue)")
        }
        switch launch {
        case .sev(let options):
            return .sev(
                SEVGuest(bits: options.bits, policy: options.policy, kernelHashes: options.kernelHashes),
                firmware: firmware)
        case .snp(let options):
            return .snp(
                try SNPGuest(
                    bits: options.bits, kernelHashes: options.kernelHashes, policy: options.policy,
                    hostData: options.hostData, idBlock: options.idBlock, idAuth: options.idAuth),
                firmware: firmware)
        case .tdx(let options):
            return .tdx(
                try TDXGuest(
                    mrConfigID: options.mrConfigID, mrOwner: options.mrOwner,
                    mrOwnerConfig: options.mrOwnerConfig,
                    quoteGenerationSocket: options.quoteGenerationService.map(
                        TDXGuest.QuoteGenerationSocket.init)),
                firmware: firmware)
        }
    }
}

extension CPU.Feature {
    /// A feature as the description spells it, QEMU's way: `+name`, `-name`, `name=value`; a
    /// bare name switches the feature on.
    init(spelling: String) {
        if spelling.hasPrefix("+") {
            self = .added(String(spelling.dropFirst()))
        } else if spelling.hasPrefix("-") {
            self = .removed(String(spelling.dropFirst()))
        } else if let equals = spelling.firstIndex(of: "=") {
            self = .set(String(spelling[..<equals]), String(spelling[spelling.index(after: equals)...]))
        } else {
            self = .on(spelling)
        }
    }
}

extension TDXGuest.QuoteGenerationSocket {
    init(_ service: TDXLaunchOptions.QuoteGenerationService) {
        switch service {
        case .vsock(let cid, let port): self = .vsock(cid: cid, port: port)
        case .unix(let path): self = .unix(path: path)
        }
    }
}
