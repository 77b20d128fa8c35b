import OCI
import Protocols

// `linux.resources` and `grpc.LinuxResources`, both ways (CreateContainer and UpdateContainer).

extension Grpc_LinuxResources {
    public init(_ resources: Resources) {
        self.init()
        devices = (resources.devices ?? []).map { device in
            .with {
                $0.allow = device.allow
                $0.type = device.type.orEmpty
                // A wildcard (absent) major or minor travels as -1, as in the device cgroup.
                $0.major = device.major ?? -1
                $0.minor = device.minor ?? -1
                $0.access = device.access.orEmpty
            }
        }
        if let memory = resources.memory {
            self.memory = .with {
                $0.limit = memory.limit ?? 0
                $0.reservation = memory.reservation ?? 0
                $0.swap = memory.swap ?? 0
                $0.swappiness = memory.swappiness ?? 0
                $0.disableOomkiller = memory.disableOOMKiller ?? false
            }
        }
        if let cpu = resources.cpu {
            self.cpu = .with {
                $0.shares = cpu.shares ?? 0
                $0.quota = cpu.quota ?? 0
                $0.period = cpu.period ?? 0
                $0.cpus = cpu.cpus.orEmpty
                $0.mems = cpu.mems.orEmpty
            }
        }
        if let pids = resources.pids { self.pids = .with { $0.limit = pids.limit } }
    }
}

extension Resources {
    public init(_ grpc: Grpc_LinuxResources) {
        let memory = grpc.memory, cpu = grpc.cpu
        self.init(
            devices: grpc.devices.map {
                DeviceCgroup(
                    allow: $0.allow, type: $0.type.nonEmpty, major: $0.major.wildcardAsNil,
                    minor: $0.minor.wildcardAsNil,
                    access: $0.access.nonEmpty)
            }.nonEmpty,
            memory: grpc.hasMemory
                ? Memory(
                    limit: memory.limit.nonZero, reservation: memory.reservation.nonZero,
                    swap: memory.swap.nonZero,
                    swappiness: memory.swappiness.nonZero, disableOOMKiller: memory.disableOomkiller.trueOrNil
                )
                : nil,
            cpu: grpc.hasCpu
                ? CPU(
                    shares: cpu.shares.nonZero, quota: cpu.quota.nonZero, period: cpu.period.nonZero,
                    cpus: cpu.cpus.nonEmpty, mems: cpu.mems.nonEmpty) : nil,
            pids: grpc.hasPids ? Pids(limit: grpc.pids.limit) : nil)
    }
}

extension Int64 {
    fileprivate var wildcardAsNil: Int64? { self < 0 ? nil : self }
}
