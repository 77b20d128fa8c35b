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
    /// The pod's initdata (`cc_init_data`): its digest, how the launch binds it, and the disk
    /// the sandbox writes before the VM starts; nil without the annotation.
    public var initdata: PlannedInitdata?
    /// The Kubernetes pod this sandbox is (from the CRI annotations); nil outside the CRI.
    public var pod: PodIdentity?
    /// The pod network the sandbox wires into the VM before it starts; nil: no network device.
    /// Its cards (one per CNI interface) are known only once the namespace is read, so the
    /// sandbox adds them to `vm` at launch; they are not part of any measurement.
    public var network: NetworkPlan?

    public init(
        vm: VirtualMachineDescription, guestShare: GuestShare?, measurement: ExpectedMeasurement?,
        initdata: PlannedInitdata? = nil, pod: PodIdentity? = nil, network: NetworkPlan? = nil
    ) {
        self.network = network
        self.vm = vm
        self.guestShare = guestShare
        self.measurement = measurement
        self.initdata = initdata
        self.pod = pod
    }
}

/// The initdata disk a sandbox writes (at `diskPath`, inside its state directory, so the
/// clean-up after a crashed shim removes it with the directory) and attaches read-only.
public struct PlannedInitdata: Sendable, Equatable, Codable {
    public var binding: InitdataBinding
    public var diskPath: String
    /// The gzip bytes exactly as the annotation carried them (not persisted).
    public var gzip: [UInt8] = []

    public init(binding: InitdataBinding, diskPath: String, gzip: [UInt8]) {
        self.binding = binding
        self.diskPath = diskPath
        self.gzip = gzip
    }

    private enum CodingKeys: String, CodingKey {
        case binding, diskPath
    }
}

/// A pod's initdata digest and where the launch puts it for the verifier.
public struct InitdataBinding: Sendable, Equatable, Codable {
    /// The document's algorithm: sha256, sha384 or sha512.
    public var algorithm: String
    /// The digest of the decompressed document, hex.
    public var digest: String
    /// The attested field that carries it: `host_data` (SNP, 32 bytes) or `mr_config_id` (TDX,
    /// 48 bytes); nil when nothing does (no TEE, or SEV/SEV-ES, which have no such field): the
    /// guest then gets the document, but no hardware vouches for it.
    public var field: String?
    /// That field's value, hex: the digest cut or zero-padded to the field's size.
    public var value: String?

    public init(algorithm: String, digest: String, field: String? = nil, value: String? = nil) {
        self.algorithm = algorithm
        self.digest = digest
        self.field = field
        self.value = value
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
    /// The pod's initdata digest, reported beside the measurement (it is not part of it: SNP's
    /// HOST_DATA and TDX's MRCONFIGID are separate report fields); nil without initdata.
    public var initdata: InitdataBinding?

    public init(
        mode: GuestProtection, algorithm: String, measurement: String, inputs: [MeasuredInput],
        tdx: TDXRegisters? = nil, initdata: InitdataBinding? = nil
    ) {
        self.mode = mode
        self.algorithm = algorithm
        self.measurement = measurement
        self.inputs = inputs
        self.tdx = tdx
        self.initdata = initdata
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
