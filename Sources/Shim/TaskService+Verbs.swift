import Foundation
import KataCore
import OCI
import Protocols
import Runtime
import SwiftProtobuf

extension TaskService {
    func delete(_ request: Containerd_Task_V2_DeleteRequest) async throws -> Containerd_Task_V2_DeleteResponse
    {
        let manager = try manager(request.id, request.execID)
        let deletion = try await manager.delete(containerID: request.id, execID: request.execID)
        let process = deletion.process
        var response = Containerd_Task_V2_DeleteResponse()
        response.pid = hypervisorPID
        response.exitStatus = process.exitStatus
        response.exitedAt = process.exitedAtTimestamp
        guard request.execID.isEmpty else { return response }
        // The last container's Delete stops the VM: `ctr run --rm` returns only after it, and
        // the Shutdown that follows has nothing left to wait for.
        if deletion.lastContainer { await stopSandbox() }
        var event = Containerd_Events_TaskDelete()
        event.containerID = request.id
        event.pid = hypervisorPID
        event.exitStatus = process.exitStatus
        event.exitedAt = process.exitedAtTimestamp
        event.id = request.id
        events.publish(event)
        return response
    }

    func exec(_ request: Containerd_Task_V2_ExecProcessRequest) async throws {
        let paths = ProcessIO.Paths(
            stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, terminal: request.terminal)
        try await manager(request.id).exec(containerID: request.id, execID: request.execID, io: paths) {
            do {
                return try JSONDecoder().decode(OCI.Process.self, from: request.spec.value)
            } catch {
                throw KataError(
                    .invalidArgument, "exec \(request.execID): spec is not an OCI process: \(error)")
            }
        }
        var event = Containerd_Events_TaskExecAdded()
        event.containerID = request.id
        event.execID = request.execID
        events.publish(event)
    }

    func state(_ request: Containerd_Task_V2_StateRequest) async throws -> Containerd_Task_V2_StateResponse {
        let process = try await manager(request.id, request.execID).snapshot(
            containerID: request.id, execID: request.execID)
        var response = Containerd_Task_V2_StateResponse()
        response.id = process.execID.isEmpty ? process.containerID : process.execID
        response.bundle = process.bundle
        response.pid = hypervisorPID
        response.status = Containerd_V1_Types_Status(process.status)
        response.stdin = process.io.stdin
        response.stdout = process.io.stdout
        response.stderr = process.io.stderr
        response.terminal = process.io.terminal
        response.exitStatus = process.exitStatus
        response.exitedAt = process.exitedAtTimestamp
        response.execID = process.execID
        return response
    }

    func kill(_ request: Containerd_Task_V2_KillRequest) async throws {
        // Checked before anything else: the number arrives as any 32-bit value.
        let signal = try SignalNumber.validate(request.signal, field: "signal")
        try await manager(request.id, request.execID).kill(
            containerID: request.id, execID: request.execID, signal: signal)
    }

    func wait(_ request: Containerd_Task_V2_WaitRequest) async throws -> Containerd_Task_V2_WaitResponse {
        let exit = try await manager(request.id, request.execID).wait(
            containerID: request.id, execID: request.execID)
        var response = Containerd_Task_V2_WaitResponse()
        response.exitStatus = exit.status
        response.exitedAt = Google_Protobuf_Timestamp(date: exit.exitedAt)
        return response
    }

    /// The container's processes as the guest sees them (the agent's ListProcesses), the init
    /// process first: `ctr task ps` lists what runs in the container. With an agent that lacks
    /// ListProcesses, the hypervisor's pid once for the init process and once for each running
    /// exec, as upstream Kata answers.
    func pids(_ request: Containerd_Task_V2_PidsRequest) async throws -> Containerd_Task_V2_PidsResponse {
        let manager = try manager(request.id)
        var response = Containerd_Task_V2_PidsResponse()
        do {
            response.processes = try await manager.guestProcessIDs(containerID: request.id).map { pid in
                var info = Containerd_V1_Types_ProcessInfo()
                info.pid = UInt32(pid)
                return info
            }
        } catch let error as KataError where error.code == .notImplemented {
            let processes = try await manager.processes(containerID: request.id)
            var info = Containerd_V1_Types_ProcessInfo()
            info.pid = hypervisorPID
            response.processes =
                [info] + processes.dropFirst().filter { $0.status == .running }.map { _ in info }
        }
        return response
    }

    func pause(_ request: Containerd_Task_V2_PauseRequest) async throws {
        try await manager(request.id).pause(containerID: request.id)
        var event = Containerd_Events_TaskPaused()
        event.containerID = request.id
        events.publish(event)
    }

    func resume(_ request: Containerd_Task_V2_ResumeRequest) async throws {
        try await manager(request.id).resume(containerID: request.id)
        var event = Containerd_Events_TaskResumed()
        event.containerID = request.id
        events.publish(event)
    }

    func closeIO(_ request: Containerd_Task_V2_CloseIORequest) async throws {
        try await manager(request.id, request.execID).closeIO(
            containerID: request.id, execID: request.execID, stdin: request.stdin)
    }

    func resizePty(_ request: Containerd_Task_V2_ResizePtyRequest) async throws {
        try await manager(request.id, request.execID).resizeTerminal(
            containerID: request.id, execID: request.execID, rows: request.height, columns: request.width)
    }

    func update(_ request: Containerd_Task_V2_UpdateTaskRequest) async throws {
        try await manager(request.id).update(containerID: request.id) {
            do {
                return try JSONDecoder().decode(Resources.self, from: request.resources.value)
            } catch {
                throw KataError(
                    .invalidArgument, "update \(request.id): resources are not OCI LinuxResources: \(error)")
            }
        }
    }

    func connect(_ request: Containerd_Task_V2_ConnectRequest) async throws
        -> Containerd_Task_V2_ConnectResponse
    {
        _ = try await manager(request.id).snapshot(containerID: request.id, execID: "")
        var response = Containerd_Task_V2_ConnectResponse()
        response.shimPid = UInt32(getpid())
        response.taskPid = hypervisorPID
        response.version = KataVersion.version
        return response
    }

    /// Shutdown ends the shim once no container is left; `force` (SIGTERM) ends it regardless,
    /// stopping the VM.
    /// A Shutdown that arrives during a Create waits for it first (so a VM being booted is
    /// either in use or stopped here, never left behind); Creates after it are refused.
    func shutdown(_ request: Containerd_Task_V2_ShutdownRequest, force: Bool = false) async {
        guard await noContainerOnceCreatesSettle() || force || request.now else { return }
        shuttingDown = true
        await stopSandbox()
        containers = nil
        await events.finish(within: .seconds(1))
        onShutdown()
    }

    /// Waits until no Create is in flight, then says whether no container is left; asking the
    /// manager suspends, so a Create that began meanwhile is waited for too.
    func noContainerOnceCreatesSettle() async -> Bool {
        while true {
            await waitForCreates()
            let empty = await containers?.isEmpty ?? true
            if creatingIDs.isEmpty { return empty }
        }
    }
}
