import Firmware
import KataCore

/// RTMR1 and RTMR2 of a TD that TDVF boots straight into a kernel QEMU passes with -kernel
/// (-initrd, -append): what TdTcg2Dxe and the kernel's EFI stub extend up to ExitBootServices.
///
/// RTMR1: the kernel's PE/COFF Authenticode SHA-384 (EV_EFI_BOOT_SERVICES_APPLICATION, when
/// LoadImage measures it), "Calling EFI Application from Boot Option" (ReadyToBoot), the
/// separator (here or in RTMR0, by edk2 release), "Exit Boot Services Invocation" and
/// "Exit Boot Services Returned with Success". RTMR2 (Linux 6.9+ stubs): the load options
/// (LOADED_IMAGE::LoadOptions, UTF-16 with its NUL) and the initrd the stub loads.
public struct TDXDirectBoot: Sendable, Equatable {
    public var events: [RTMREvent]
    public var rtmr1: [UInt8]
    public var rtmr2: [UInt8]
    /// The load options the kernel receives (nil: none), before UTF-16 encoding.
    public var loadOptions: String?
    public var kernelVersion: String?
    /// Whether RTMR2 events were counted (profile, or the kernel version).
    public var stubMeasures: Bool
    public var profile: TDXBootProfile

    static let callingApplication = "Calling EFI Application from Boot Option"
    static let exitInvocation = "Exit Boot Services Invocation"
    static let exitSucceeded = "Exit Boot Services Returned with Success"
    static let minimumMemory: UInt64 = 64 << 20

    public static func compute(
        kernel kernelPath: String, initrd initrdPath: String?, commandLine: String, memoryBytes: UInt64,
        profile: TDXBootProfile
    ) throws -> TDXDirectBoot {
        guard memoryBytes >= minimumMemory else {
            throw KataError(
                .invalidArgument, "guest memory \(memoryBytes >> 20) MiB: a TD needs at least 64 MiB")
        }
        guard !commandLine.utf8.contains(0) else {
            throw KataError(.invalidArgument, "kernel command line contains a NUL byte")
        }
        let kernel = try FileReader(path: kernelPath)
        let header = try LinuxSetupHeader.read(kernel)
        let initrd = try initrdPath.flatMap { $0.isEmpty ? nil : try FileReader(path: $0) }
        let patches =
            profile.kernelHeader == .patched
            ? try QEMUKernelHeaderPatch.patches(
                header: header, path: kernelPath, commandLineLength: commandLine.utf8.count,
                initrdSize: initrd?.size, memoryBytes: memoryBytes) : [:]
        let kernelDigest = try PEImage.authenticode(try PatchedFile(kernel, patches: patches), .sha384)

        var log = EventLog()
        log.add(1, "tdvfkernel", "EV_EFI_BOOT_SERVICES_APPLICATION", kernelDigest)
        log.add(1, "calling_efi_application", "EV_EFI_ACTION", action(callingApplication))
        log.add(
            profile.separator == .rtmr1 ? 1 : 0, "separator", "EV_SEPARATOR",
            DigestAlgorithm.sha384.hash([0, 0, 0, 0]))
        log.add(1, "exit_boot_services_invocation", "EV_EFI_ACTION", action(exitInvocation))
        log.add(1, "exit_boot_services_returned_with_success", "EV_EFI_ACTION", action(exitSucceeded))
        // OVMF offers the initrd only when QEMU's is non-empty (fw_cfg initrd size > 0).
        let initrdGiven = (initrd?.size ?? 0) > 0
        let options = Self.options(commandLine: commandLine, initrd: initrdGiven, profile.initrdOption)
        let stubMeasures = profile.stubMeasures ?? header.release.map { $0 >= (6, 9) } ?? false
        if stubMeasures {
            if let options {
                log.add(
                    2, "tdvfkernelparams", "EV_EVENT_TAG", DigestAlgorithm.sha384.hash(utf16Options(options)))
            }
            if let initrd, initrdGiven {
                log.add(2, "initrd", "EV_EVENT_TAG", try DigestAlgorithm.sha384.hash(file: initrd))
            }
        }
        return TDXDirectBoot(
            events: log.events, rtmr1: log.registers[1].value, rtmr2: log.registers[2].value,
            loadOptions: options, kernelVersion: header.kernelVersion, stubMeasures: stubMeasures,
            profile: profile)
    }

    /// Events in measurement order, each extended into its register as it is logged.
    struct EventLog {
        var events: [RTMREvent] = []
        var registers = [RTMR](repeating: RTMR(), count: 4)

        mutating func add(_ register: Int, _ name: String, _ type: String, _ digest: [UInt8]) {
            events.append(RTMREvent(register: register, name: name, type: type, digest: digest))
            registers[register].extend(digest)
        }
    }

    /// The load options X86QemuLoadImageLib builds: the command line with "initrd=initrd" when
    /// an initrd is given; nil when both are empty (LoadOptionsSize 0, nothing measured).
    package static func options(commandLine: String, initrd: Bool, _ placement: TDXBootProfile.InitrdOption)
        -> String?
    {
        guard initrd else { return commandLine.isEmpty ? nil : commandLine }
        switch placement {
        case .prefix: return "initrd=initrd " + commandLine
        case .suffix: return commandLine + " initrd=initrd"
        }
    }

    /// UnicodeSPrintAsciiFormat widens each byte of the ASCII command line to one UTF-16 unit;
    /// the measured buffer ends with the UTF-16 NUL.
    package static func utf16Options(_ options: String) -> [UInt8] {
        options.utf8.flatMap { [$0, 0] } + [0, 0]
    }

    static func action(_ text: String) -> [UInt8] { DigestAlgorithm.sha384.hash(Array(text.utf8)) }
}
