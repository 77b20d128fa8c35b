import Host

/// The whole QEMU command line as typed parts; `arguments` renders argv (without the binary).
public struct QEMUCommandLine: Sendable {
    public var binary: String
    public var name: String?
    public var uuid: String?
    public var machine: Machine
    public var cpu: CPU?
    public var smp: SMP
    public var memory: Memory
    public var firmware: BootFirmware?
    public var kernel: KernelBoot?
    public var memoryBackends: [MemoryBackend]
    public var numaNodes: [NUMANode]
    /// Other `-object`s: the confidential-guest object, RNG sources, secrets.
    public var objects: [any QEMUArgumentConvertible]
    public var devices: [any QEMUArgumentConvertible]
    public var qmpSocket: QMPSocket?
    public var consoleLog: SerialConsoleLog?
    public var pidFile: String?
    /// `-S`: create the VM paused; it runs after QMP `cont`.
    public var startPaused: Bool
    /// `-sandbox VALUE`: QEMU's own seccomp filter, e.g.
    /// `on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny`. Nil: none.
    public var seccompSandbox: String?
    /// Appended verbatim, last: an escape hatch for options not modelled here.
    public var extraArguments: [String]
    /// Descriptors of this process QEMU inherits, at 3, 4, ... in order (tap devices); the
    /// devices that use them name those numbers.
    public var passedDescriptors: [Int32] = []

    public init(
        binary: String = "/usr/bin/qemu-system-x86_64", name: String? = nil, uuid: String? = nil,
        machine: Machine, cpu: CPU? = nil, smp: SMP = SMP(cpus: 1), memory: Memory,
        firmware: BootFirmware? = nil, kernel: KernelBoot? = nil, memoryBackends: [MemoryBackend] = [],
        numaNodes: [NUMANode] = [], objects: [any QEMUArgumentConvertible] = [],
        devices: [any QEMUArgumentConvertible] = [], qmpSocket: QMPSocket? = nil,
        consoleLog: SerialConsoleLog? = nil, pidFile: String? = nil, startPaused: Bool = false,
        seccompSandbox: String? = nil, extraArguments: [String] = []
    ) {
        self.binary = binary
        self.name = name
        self.uuid = uuid
        self.machine = machine
        self.cpu = cpu
        self.smp = smp
        self.memory = memory
        self.firmware = firmware
        self.kernel = kernel
        self.memoryBackends = memoryBackends
        self.numaNodes = numaNodes
        self.objects = objects
        self.devices = devices
        self.qmpSocket = qmpSocket
        self.consoleLog = consoleLog
        self.pidFile = pidFile
        self.startPaused = startPaused
        self.seccompSandbox = seccompSandbox
        self.extraArguments = extraArguments
    }

    public var arguments: [String] {
        var arguments: [String] = []
        if let name {
            var options = OptionString(name)
            options.add("debug-threads", true)
            arguments += ["-name", options.rendered]
        }
        if let uuid { arguments += ["-uuid", uuid] }
        arguments += machine.qemuArguments
        arguments += cpu?.qemuArguments ?? []
        arguments += smp.qemuArguments
        arguments += memory.qemuArguments
        arguments += memoryBackends.flatMap(\.qemuArguments)
        arguments += numaNodes.flatMap(\.qemuArguments)
        arguments += objects.flatMap(\.qemuArguments)
        arguments += firmware?.qemuArguments ?? []
        arguments += kernel?.qemuArguments ?? []
        arguments += qmpSocket?.qemuArguments ?? []
        arguments += devices.flatMap(\.qemuArguments)
        arguments += consoleLog?.qemuArguments ?? []
        if let pidFile { arguments += ["-pidfile", pidFile] }
        // No config files, no default devices, no display, and a guest reboot ends QEMU.
        arguments += ["-no-user-config", "-nodefaults", "-nographic", "--no-reboot"]
        if startPaused { arguments.append("-S") }
        // Passed as given (upstream's `seccompsandbox`): it is QEMU's own option list.
        if let seccompSandbox { arguments += ["-sandbox", seccompSandbox] }
        arguments += extraArguments
        return arguments
    }

    /// The capabilities QEMU needs for this command line, from the parts that ask for any:
    /// QEMU starts with these (as far as the runtime has them) and no others.
    public var hostCapabilities: CapabilitySet {
        let parts: [any QEMUArgumentConvertible] = memoryBackends + objects + devices
        return parts.reduce(CapabilitySet.empty) { $0.union($1.hostCapabilities) }
    }
}

/// A confidential launch path: the protecting object and how the firmware is loaded (pflash
/// for SEV, `-bios` for SNP and TDX). The CPU model is the caller's: it is measured (SNP), so
/// it comes from the VM description, not from here.
public enum ConfidentialGuest: Sendable, Equatable {
    case sev(SEVGuest, firmware: String)
    case snp(SNPGuest, firmware: String)
    case tdx(TDXGuest, firmware: String)
}

extension QEMUCommandLine {
    /// Turns this command line into a confidential launch: a split irqchip (the encrypted
    /// guests' interrupt controller lives in QEMU), the object and the firmware. The
    /// accelerator stays as set (it must be KVM; the description's renderer checks that).
    public mutating func apply(_ guest: ConfidentialGuest) {
        machine.kernelIRQChip = .split
        switch guest {
        case .sev(let object, let path):
            machine.confidentialGuestSupport = object.id
            objects.append(object)
            firmware = .pflash(code: path)
        case .snp(let object, let path):
            machine.confidentialGuestSupport = object.id
            objects.append(object)
            firmware = .bios(path)
        case .tdx(let object, let path):
            machine.confidentialGuestSupport = object.id
            objects.append(object)
            firmware = .bios(path)
        }
    }
}
