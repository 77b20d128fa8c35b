import OCI
import Protocols

// The runtime-spec configuration and `grpc.Spec` (kata/oci.proto), both ways. The host sends a
// `grpc.Spec` built from `OCI.Spec`; the agent turns it back into runtime-spec JSON for crun.
// Fields the wire format lacks (hooks other than prestart/poststart/poststop, `umask`) are not
// carried; absent and zero values are the same on the wire (see ProtobufPresence.swift).

extension Grpc_Spec {
    public init(_ spec: Spec) {
        self.init()
        version = spec.ociVersion
        if let process = spec.process { self.process = Grpc_Process(process) }
        if let root = spec.root {
            self.root = .with {
                $0.path = root.path
                $0.readonly = root.readonly ?? false
            }
        }
        hostname = spec.hostname.orEmpty
        mounts = (spec.mounts ?? []).map(Grpc_Mount.init)
        if let hooks = spec.hooks { self.hooks = Grpc_Hooks(hooks) }
        annotations = spec.annotations ?? [:]
        if let linux = spec.linux { self.linux = Grpc_Linux(linux) }
    }
}

extension Spec {
    public init(_ grpc: Grpc_Spec) {
        self.init(
            ociVersion: grpc.version.nonEmpty ?? "1.1.0",
            process: grpc.hasProcess ? Process(grpc.process) : nil,
            root: grpc.hasRoot ? Root(path: grpc.root.path, readonly: grpc.root.readonly.trueOrNil) : nil,
            hostname: grpc.hostname.nonEmpty,
            mounts: grpc.mounts.map(Mount.init).nonEmpty,
            hooks: grpc.hasHooks ? Hooks(grpc.hooks) : nil,
            annotations: grpc.annotations.nonEmpty,
            linux: grpc.hasLinux ? Linux(grpc.linux) : nil)
    }
}

extension Grpc_Mount {
    public init(_ mount: Mount) {
        self.init()
        destination = mount.destination
        source = mount.source.orEmpty
        type = mount.type.orEmpty
        options = mount.options ?? []
    }
}

extension Mount {
    public init(_ grpc: Grpc_Mount) {
        self.init(
            destination: grpc.destination, type: grpc.type.nonEmpty, source: grpc.source.nonEmpty,
            options: grpc.options.nonEmpty)
    }
}

extension Grpc_Hooks {
    public init(_ hooks: Hooks) {
        self.init()
        prestart = (hooks.prestart ?? []).map(Grpc_Hook.init)
        poststart = (hooks.poststart ?? []).map(Grpc_Hook.init)
        poststop = (hooks.poststop ?? []).map(Grpc_Hook.init)
    }
}

extension Hooks {
    public init(_ grpc: Grpc_Hooks) {
        self.init(
            prestart: grpc.prestart.map(Hook.init).nonEmpty,
            poststart: grpc.poststart.map(Hook.init).nonEmpty,
            poststop: grpc.poststop.map(Hook.init).nonEmpty)
    }
}

extension Grpc_Hook {
    public init(_ hook: Hook) {
        self.init()
        path = hook.path
        args = hook.args ?? []
        env = hook.env ?? []
        timeout = Int64(hook.timeout ?? 0)
    }
}

extension Hook {
    public init(_ grpc: Grpc_Hook) {
        self.init(
            path: grpc.path, args: grpc.args.nonEmpty, env: grpc.env.nonEmpty,
            timeout: grpc.timeout.nonZero.map { Int(clamping: $0) })
    }
}
