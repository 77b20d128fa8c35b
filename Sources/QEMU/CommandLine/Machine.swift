import KataCore

/// `-machine type,accel=...,kernel_irqchip=...,confidential-guest-support=...`
public struct Machine: QEMUArgumentConvertible, Equatable {
    public enum KernelIRQChip: String, Sendable, Equatable {
        case on
        case off
        case split
    }

    public var type: String
    public var accelerator: Accelerator
    public var kernelIRQChip: KernelIRQChip?
    /// Id of the `-object` (sev-guest, sev-snp-guest, tdx-guest) that protects the guest.
    public var confidentialGuestSupport: String?
    /// Id of a memory backend that holds all guest RAM (needed for `share=on` without NUMA).
    public var memoryBackend: String?

    public init(
        type: String = "q35", accelerator: Accelerator, kernelIRQChip: KernelIRQChip? = nil,
        confidentialGuestSupport: String? = nil, memoryBackend: String? = nil
    ) {
        self.type = type
        self.accelerator = accelerator
        self.kernelIRQChip = kernelIRQChip
        self.confidentialGuestSupport = confidentialGuestSupport
        self.memoryBackend = memoryBackend
    }

    public var qemuArguments: [String] {
        var options = OptionString(type)
        options.add("accel", accelerator.rawValue)
        options.add("kernel_irqchip", kernelIRQChip?.rawValue)
        options.add("confidential-guest-support", confidentialGuestSupport)
        options.add("memory-backend", memoryBackend)
        return ["-machine", options.rendered]
    }
}

/// `-cpu model,feature,...`
public struct CPU: QEMUArgumentConvertible, Equatable {
    public enum Feature: Sendable, Equatable {
        /// `name=value`, e.g. `pmu=off`.
        case set(String, String)
        /// `+name`
        case added(String)
        /// `-name`, e.g. `-vmx-rdseed-exit`.
        case removed(String)

        public static func off(_ name: String) -> Feature { .set(name, "off") }
        public static func on(_ name: String) -> Feature { .set(name, "on") }
    }

    public var model: String
    public var features: [Feature]

    public init(model: String, features: [Feature] = []) {
        self.model = model
        self.features = features
    }

    public var qemuArguments: [String] {
        var options = OptionString(model)
        for feature in features {
            switch feature {
            case .set(let name, let value): options.add(name, value)
            case .added(let name): options.addRaw("+" + name)
            case .removed(let name): options.addRaw("-" + name)
            }
        }
        return ["-cpu", options.rendered]
    }
}

/// `-smp cpus,maxcpus=,sockets=,cores=,threads=`
public struct SMP: QEMUArgumentConvertible, Equatable {
    public var cpus: Int
    public var maxCPUs: Int?
    public var sockets: Int?
    public var cores: Int?
    public var threads: Int?

    public init(cpus: Int, maxCPUs: Int? = nil, sockets: Int? = nil, cores: Int? = nil, threads: Int? = nil) {
        self.cpus = cpus
        self.maxCPUs = maxCPUs
        self.sockets = sockets
        self.cores = cores
        self.threads = threads
    }

    public var qemuArguments: [String] {
        var options = OptionString("\(cpus)")
        options.add("maxcpus", maxCPUs)
        options.add("sockets", sockets)
        options.add("cores", cores)
        options.add("threads", threads)
        return ["-smp", options.rendered]
    }
}

/// `-m size,slots=,maxmem=` (slots and maxmem enable memory hotplug).
public struct Memory: QEMUArgumentConvertible, Equatable {
    public var size: MemorySize
    public var slots: Int?
    public var maxSize: MemorySize?

    public init(size: MemorySize, slots: Int? = nil, maxSize: MemorySize? = nil) {
        self.size = size
        self.slots = slots
        self.maxSize = maxSize
    }

    public var qemuArguments: [String] {
        var options = OptionString(size.rendered)
        options.add("slots", slots)
        options.add("maxmem", maxSize?.rendered)
        return ["-m", options.rendered]
    }
}
