import OCI
import Protocols

// `process` of the runtime spec and `grpc.Process`, both ways (ExecProcess sends one alone).

extension Grpc_Process {
    public init(_ process: Process) {
        self.init()
        terminal = process.terminal ?? false
        if let box = process.consoleSize {
            consoleSize = .with {
                $0.height = UInt32(clamping: box.height)
                $0.width = UInt32(clamping: box.width)
            }
        }
        user = .with {
            $0.uid = process.user.uid
            $0.gid = process.user.gid
            $0.additionalGids = process.user.additionalGids ?? []
            $0.username = process.user.username.orEmpty
        }
        args = process.args ?? []
        env = process.env ?? []
        cwd = process.cwd
        if let caps = process.capabilities {
            capabilities = .with {
                $0.bounding = caps.bounding ?? []
                $0.effective = caps.effective ?? []
                $0.inheritable = caps.inheritable ?? []
                $0.permitted = caps.permitted ?? []
                $0.ambient = caps.ambient ?? []
            }
        }
        rlimits = (process.rlimits ?? []).map { limit in
            .with {
                $0.type = limit.type
                $0.hard = limit.hard
                $0.soft = limit.soft
            }
        }
        noNewPrivileges = process.noNewPrivileges ?? false
        apparmorProfile = process.apparmorProfile.orEmpty
        oomscoreAdj = Int64(process.oomScoreAdj ?? 0)
        selinuxLabel = process.selinuxLabel.orEmpty
    }
}

extension Process {
    public init(_ grpc: Grpc_Process) {
        let caps = grpc.capabilities
        self.init(
            terminal: grpc.terminal.trueOrNil,
            consoleSize: grpc.hasConsoleSize
                ? Box(height: UInt(grpc.consoleSize.height), width: UInt(grpc.consoleSize.width)) : nil,
            user: User(
                uid: grpc.user.uid, gid: grpc.user.gid, additionalGids: grpc.user.additionalGids.nonEmpty,
                username: grpc.user.username.nonEmpty),
            args: grpc.args.nonEmpty,
            env: grpc.env.nonEmpty,
            cwd: grpc.cwd.nonEmpty ?? "/",
            capabilities: grpc.hasCapabilities
                ? Capabilities(
                    bounding: caps.bounding.nonEmpty, effective: caps.effective.nonEmpty,
                    inheritable: caps.inheritable.nonEmpty, permitted: caps.permitted.nonEmpty,
                    ambient: caps.ambient.nonEmpty) : nil,
            rlimits: grpc.rlimits.map { Rlimit(type: $0.type, hard: $0.hard, soft: $0.soft) }.nonEmpty,
            noNewPrivileges: grpc.noNewPrivileges.trueOrNil,
            apparmorProfile: grpc.apparmorProfile.nonEmpty,
            oomScoreAdj: grpc.oomscoreAdj.nonZero.map { Int(clamping: $0) },
            selinuxLabel: grpc.selinuxLabel.nonEmpty)
    }
}
