import GuestAgent
import KataCore
import Protocols

extension AgentService {
    func createSandbox(_ request: Grpc_CreateSandboxRequest) async throws {
        try await sandbox.beginSandbox(id: request.sandboxID)
        do {
            if !request.hostname.isEmpty { try GuestInit.setHostname(request.hostname) }
            for storage in request.storages {
                try await mount(storage)
                await sandbox.addSandboxStorage(storage.mountPoint)
            }
        } catch {
            await undoSandboxMounts()
            throw error
        }
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
