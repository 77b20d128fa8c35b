import KataCore
import VirtualMachine

/// What the launch planner decided for one sandbox: the VM to launch, how the guest reaches
/// container files, and the launch measurement a verifier should expect. The shim, `kata-runtime
/// measure --config` and `kata-runtime check` all get theirs from `LaunchPlanner`, so what is
/// measured is what is launched.
public struct LaunchPlan: Sendable, Equatable, Codable {
    public var vm: VirtualMachineDescription
    /// How the guest mounts the host's share; nil when nothing is shared (`shared_fs = "none"`).
    public var guestShare: GuestShare?
    /// The expected launch measurement; nil for an ordinary (unprotected) VM.
    public var measurement: ExpectedMeasurement?

    public init(vm: VirtualMachineDescription, guestShare: GuestShare?, measurement: ExpectedMeasurement?) {
        self.vm = vm
        self.guestShare = guestShare
        self.measurement = measurement
    }
}

/// The guest side of a virtio-9p share: the tag it mounts and the 9p message size.
public struct GuestShare: Sendable, Equatable, Codable {
    public var tag: String
    public var msize: UInt32

    public init(tag: String, msize: UInt32) {
        self.tag = tag
        self.msize = msize
    }
}

/// A launch measurement computed before the VM starts, with its inputs: stored in the sandbox
/// state, logged (`launch_measurement`) and served at the shim's `GET /measurement`.
public struct ExpectedMeasurement: Sendable, Equatable, Codable {
    /// sev, sev-es, snp or tdx.
    public var mode: GuestProtection
    /// "sha256" (SEV, SEV-ES), "sha384" (SNP, TDX MRTD).
    public var algorithm: String
    /// The measurement in lower-case hex.
    public var measurement: String
    public var inputs: [MeasuredInput]
    /// TDX: MRTD (the `measurement`), RTMR1, RTMR2 and their events; nil for SEV and SNP.
    public var tdx: TDXRegisters?

    public init(
        mode: GuestProtection, algorithm: String, measurement: String, inputs: [MeasuredInput],
        tdx: TDXRegisters? = nil
    ) {
        self.mode = mode
        self.algorithm = algorithm
        self.measurement = measurement
        self.inputs = inputs
        self.tdx = tdx
    }
}

/// One input of a measurement: a file (path, size, digest) or a value (command line, vCPUs).
public struct MeasuredInput: Sendable, Equatable, Codable {
    public var name: String
    public var path: String?
    public var size: Int?
    public var value: String?
    /// Digest algorithm and hex digest, when the input is hashed.
    public var algorithm: String?
    public var digest: String?

    public init(
        name: String, path: String? = nil, size: Int? = nil, value: String? = nil, algorithm: String? = nil,
        digest: String? = nil
    ) {
        self.name = name
        self.path = path
        self.size = size
        self.value = value
        self.algorithm = algorithm
        self.digest = digest
    }
}
