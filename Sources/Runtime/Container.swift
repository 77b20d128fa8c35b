import OCI

/// A container of one sandbox: its bundle and spec, its init process and its execs. Lives
/// inside `ContainerManager`'s isolation.
final class Container {
    let id: String
    let bundle: String
    let spec: Spec
    let initProcess: RuntimeProcess
    var execs: [String: RuntimeProcess] = [:]

    init(id: String, bundle: String, spec: Spec, initProcess: RuntimeProcess) {
        self.id = id
        self.bundle = bundle
        self.spec = spec
        self.initProcess = initProcess
    }

    /// The init process for an empty exec id, else the exec.
    func process(_ execID: String) -> RuntimeProcess? { execID.isEmpty ? initProcess : execs[execID] }

    var processes: [RuntimeProcess] { [initProcess] + execs.values }
}
