/// `-kernel PATH [-initrd PATH] [-append CMDLINE]`: direct kernel boot.
public struct KernelBoot: QEMUArgumentConvertible, Equatable {
    public var kernel: String
    public var initrd: String?
    public var commandLine: String?

    public init(kernel: String, initrd: String? = nil, commandLine: String? = nil) {
        self.kernel = kernel
        self.initrd = initrd
        self.commandLine = commandLine
    }

    // Each is its own argv element (not an option list), so commas need no escaping.
    public var qemuArguments: [String] {
        var arguments = ["-kernel", kernel]
        if let initrd { arguments += ["-initrd", initrd] }
        if let commandLine { arguments += ["-append", commandLine] }
        return arguments
    }
}

/// Guest firmware: loaded with `-bios` (SNP, TDX) or mapped as a read-only pflash drive (SEV).
public enum BootFirmware: QEMUArgumentConvertible, Equatable {
    case bios(String)
    /// Read-only code image, plus an optional writable variables store.
    case pflash(code: String, variables: String? = nil)

    public var qemuArguments: [String] {
        switch self {
        case .bios(let path):
            return ["-bios", path]
        case .pflash(let code, let variables):
            var codeDrive = OptionString()
            codeDrive.add("if", "pflash")
            codeDrive.add("format", "raw")
            codeDrive.add("readonly", true)
            codeDrive.add("file", code)
            var arguments = ["-drive", codeDrive.rendered]
            if let variables {
                var varsDrive = OptionString()
                varsDrive.add("if", "pflash")
                varsDrive.add("format", "raw")
                varsDrive.add("file", variables)
                arguments += ["-drive", varsDrive.rendered]
            }
            return arguments
        }
    }
}

/// `-object memory-backend-{ram,file,memfd},id=,size=,...`: guest RAM that NUMA nodes or the
/// machine refer to; `share=on` lets vhost-user processes (virtiofsd) map it.
public struct MemoryBackend: QEMUArgumentConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case ram
        case file(path: String)
        case memfd
    }

    public var id: String
    public var kind: Kind
    public var size: MemorySize
    public var share: Bool?
    public var prealloc: Bool?

    public init(id: String, kind: Kind, size: MemorySize, share: Bool? = nil, prealloc: Bool? = nil) {
        self.id = id
        self.kind = kind
        self.size = size
        self.share = share
        self.prealloc = prealloc
    }

    public var qemuArguments: [String] {
        var options: OptionString
        switch kind {
        case .ram: options = OptionString("memory-backend-ram")
        case .file: options = OptionString("memory-backend-file")
        case .memfd: options = OptionString("memory-backend-memfd")
        }
        options.add("id", id)
        options.add("size", size.rendered)
        if case .file(let path) = kind { options.add("mem-path", path) }
        options.add("share", share)
        options.add("prealloc", prealloc)
        return ["-object", options.rendered]
    }
}

/// `-numa node,nodeid=N,memdev=ID[,cpus=A-B]`
public struct NUMANode: QEMUArgumentConvertible, Equatable {
    public var nodeID: Int
    public var memoryBackend: String
    public var cpus: ClosedRange<Int>?

    public init(nodeID: Int, memoryBackend: String, cpus: ClosedRange<Int>? = nil) {
        self.nodeID = nodeID
        self.memoryBackend = memoryBackend
        self.cpus = cpus
    }

    public var qemuArguments: [String] {
        var options = OptionString("node")
        options.add("nodeid", nodeID)
        options.add("memdev", memoryBackend)
        if let cpus {
            options.add(
                "cpus", cpus.count == 1 ? "\(cpus.lowerBound)" : "\(cpus.lowerBound)-\(cpus.upperBound)")
        }
        return ["-numa", options.rendered]
    }
}
