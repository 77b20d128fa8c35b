import OCI
import Protocols

// The `linux` section and `grpc.Linux`, both ways. Intel RDT has no runtime-spec counterpart here.

extension Grpc_Linux {
    public init(_ linux: Linux) {
        self.init()
        uidmappings = (linux.uidMappings ?? []).map(Grpc_LinuxIDMapping.init)
        gidmappings = (linux.gidMappings ?? []).map(Grpc_LinuxIDMapping.init)
        sysctl = linux.sysctl ?? [:]
        if let resources = linux.resources { self.resources = Grpc_LinuxResources(resources) }
        cgroupsPath = linux.cgroupsPath.orEmpty
        namespaces = (linux.namespaces ?? []).map { namespace in
            .with {
                $0.type = namespace.type
                $0.path = namespace.path.orEmpty
            }
        }
        devices = (linux.devices ?? []).map(Grpc_LinuxDevice.init)
        if let seccomp = linux.seccomp { self.seccomp = Grpc_LinuxSeccomp(seccomp) }
        rootfsPropagation = linux.rootfsPropagation.orEmpty
        maskedPaths = linux.maskedPaths ?? []
        readonlyPaths = linux.readonlyPaths ?? []
        mountLabel = linux.mountLabel.orEmpty
    }
}

extension Linux {
    public init(_ grpc: Grpc_Linux) {
        self.init(
            uidMappings: grpc.uidmappings.map(IDMapping.init).nonEmpty,
            gidMappings: grpc.gidmappings.map(IDMapping.init).nonEmpty,
            sysctl: grpc.sysctl.nonEmpty,
            resources: grpc.hasResources ? Resources(grpc.resources) : nil,
            cgroupsPath: grpc.cgroupsPath.nonEmpty,
            namespaces: grpc.namespaces.map { Namespace(type: $0.type, path: $0.path.nonEmpty) }.nonEmpty,
            devices: grpc.devices.map(Device.init).nonEmpty,
            seccomp: grpc.hasSeccomp ? Seccomp(grpc.seccomp) : nil,
            rootfsPropagation: grpc.rootfsPropagation.nonEmpty,
            maskedPaths: grpc.maskedPaths.nonEmpty,
            readonlyPaths: grpc.readonlyPaths.nonEmpty,
            mountLabel: grpc.mountLabel.nonEmpty)
    }
}

extension Grpc_LinuxIDMapping {
    public init(_ mapping: IDMapping) {
        self.init()
        hostID = mapping.hostID
        containerID = mapping.containerID
        size = mapping.size
    }
}

extension IDMapping {
    public init(_ grpc: Grpc_LinuxIDMapping) {
        self.init(containerID: grpc.containerID, hostID: grpc.hostID, size: grpc.size)
    }
}

extension Grpc_LinuxDevice {
    public init(_ device: Device) {
        self.init()
        path = device.path
        type = device.type
        major = device.major ?? 0
        minor = device.minor ?? 0
        fileMode = device.fileMode ?? 0
        uid = device.uid ?? 0
        gid = device.gid ?? 0
    }
}

extension Device {
    public init(_ grpc: Grpc_LinuxDevice) {
        self.init(
            type: grpc.type, path: grpc.path, major: grpc.major.nonZero, minor: grpc.minor.nonZero,
            fileMode: grpc.fileMode.nonZero, uid: grpc.uid.nonZero, gid: grpc.gid.nonZero)
    }
}

extension Grpc_LinuxSeccomp {
    public init(_ seccomp: Seccomp) {
        self.init()
        defaultAction = seccomp.defaultAction
        architectures = seccomp.architectures ?? []
        flags = seccomp.flags ?? []
        syscalls = (seccomp.syscalls ?? []).map { syscall in
            .with {
                $0.names = syscall.names
                $0.action = syscall.action
                if let errnoRet = syscall.errnoRet { $0.errnoret = errnoRet }
                $0.args = (syscall.args ?? []).map { arg in
                    .with {
                        $0.index = UInt64(arg.index)
                        $0.value = arg.value
                        $0.valueTwo = arg.valueTwo ?? 0
                        $0.op = arg.op
                    }
                }
            }
        }
    }
}

extension Seccomp {
    public init(_ grpc: Grpc_LinuxSeccomp) {
        self.init(
            defaultAction: grpc.defaultAction, architectures: grpc.architectures.nonEmpty,
            flags: grpc.flags.nonEmpty,
            syscalls: grpc.syscalls.map { syscall in
                var errnoRet: UInt32?
                if case .errnoret(let value)? = syscall.errnoRet { errnoRet = value }
                return Syscall(
                    names: syscall.names, action: syscall.action, errnoRet: errnoRet,
                    args: syscall.args.map {
                        SyscallArg(
                            index: UInt(clamping: $0.index), value: $0.value, valueTwo: $0.valueTwo.nonZero,
                            op: $0.op)
                    }.nonEmpty)
            }.nonEmpty)
    }
}
