import Firmware
import GuestAgent
import Initdata
import KataCore
import Protocols

extension AgentService {
    func createSandbox(_ request: Grpc_CreateSandboxRequest) async throws {
        try await sandbox.beginSandbox(id: request.sandboxID)
        do {
            if !request.hostname.isEmpty { try GuestInit.setHostname(request.hostname) }
            if !request.dns.isEmpty {
                try writeFile(paths.resolvConf, Array((request.dns.joined(separator: "\n") + "\n").utf8))
            }
            try await bringUpLoopback()
            try await deliverInitdata()
            for storage in request.storages {
                try await mount(storage)
                await sandbox.addSandboxStorage(storage.mountPoint)
            }
        } catch {
            await undoSandboxMounts()
            throw error
        }
    }

    /// Finds the initdata disk (if the host attached one), writes its document and entries for
    /// the attestation agents and logs the digest; a disk that does not check fails the sandbox.
    /// The log line is how the host's tests read the digest the guest computed (the console).
    func deliverInitdata() async throws {
        await modules.wait(for: ["virtio_blk.ko"])
        guard let found = try GuestInitdata.find(sysBlock: paths.blockDevices, devices: paths.devices) else {
            return
        }
        do {
            try GuestInitdata.install(found.initdata, directory: paths.initdata)
        } catch {
            _ = removeTree(paths.initdata)
            throw error
        }
        let binding =
            GuestInitdata.hasAttestationDevice()
            ? "a verifier finds it in the attestation report only if the host bound it (host-data / mrconfigid)"
            : "not hardware-bound: this guest has no TEE attestation device, so nothing attests it"
        KataAgentProgram.log(
            "initdata: \(found.device): \(found.initdata.algorithm.rawValue) \(hexString(found.initdata.digest)); "
                + "\(found.initdata.document.entries.count) entries in \(paths.initdata); \(binding)")
    }

    /// Removes every container, then unmounts what CreateSandbox mounted.
    func destroySandbox() async throws {
        for id in await registry.ids {
            try await removeContainer(.with { $0.containerID = id })
        }
        await undoSandboxMounts()
    }

    private func undoSandboxMounts() async {
        for mountPoint in await sandbox.endSandbox() {
            StorageMount.unmount(mountPoint, root: paths.storageRoot)
        }
    }

    func mount(_ storage: Grpc_Storage) async throws {
        await modules.wait(for: GuestModules.needed(forFilesystem: storage.fstype))
        try StorageMount(
            driver: storage.driver, source: storage.source, fsType: storage.fstype, options: storage.options,
            mountPoint: storage.mountPoint, root: paths.storageRoot
        ).mount()
    }
}
