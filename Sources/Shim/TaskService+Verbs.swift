import Foundation
import KataCore
import OCI
import Protocols
import Runtime
import SwiftProtobuf

extension TaskService {
    func delete(_ request: Containerd_Task_V2_DeleteRequest) async throws -> Containerd_Task_V2_DeleteResponse
    {
        let (container, process) = try lookup(request.id, request.execID)
        guard process.status == .stopped || process.status == .created else {
            throw KataError(.failedPrecondition, "\(describe(process)) is still \(process.status)")
        }
        var response = Containerd_Task_V2_DeleteResponse()
        response.pid = hypervisorPID
        response.exitStatus = process.exitStatus
        response.exitedAt = process.exitedAtTimestamp
        if !request.execID.isEmpty {
            // A stdin FIFO that nobody opened for writing would hold a thread and a pipe.
            process.relay?.cancel()
            container.execs[request.execID] = nil
            return response
        }
        // After the sandbox died there is no guest to ask; its teardown removed the mounts.
        if let sandbox {
            do {
                try await sandbox.removeContainer(id: container.id)
            } catch {
                logger.warning("removing container \(container.id) in the guest: \(error)")
            }
        }
        ([process] + container.execs.values).forEach { $0.relay?.cancel() }
        containers[container.id] = nil
        // The last container's Delete stops the VM: `ctr run --rm` returns only after it, and
        // the Shutdown that follows has nothing left to wait for.
        if containers.isEmpty { await stopSandbox() }
        var event = Containerd_Events_TaskDelete()
        event.containerID = container.id
        event.pid = hypervisorPID
        event.exitStatus = process.exitStatus
        event.exitedAt = process.exitedAtTimestamp
        event.id = container.id
        events.publish(event)
        return response
    }

    func exec(_ request: Containerd_Task_V2_ExecProcessRequest) throws {
        let (container, _) = try lookup(request.id, "")
        try Identifier.validate(request.execID, field: "exec_id")
        // Without a sandbox the exec could never start, and a Wait on it would never return.
        _ = try requireSandbox()
        guard container.execs[request.execID] == nil else {
            throw KataError(.failedPrecondition, "exec id \"\(request.execID)\" is already in use")
        }
        let process: OCI.Process
        do {
            process = try JSONDecoder().decode(OCI.Process.self, from: request.spec.value)
        } catch {
            throw KataError(.invalidArgument, "exec \(request.execID): spec is not an OCI process: \(error)")
        }
        let paths = ProcessIO.Paths(
            stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, terminal: request.terminal)
        container.execs[request.execID] = ProcessRecord(
            containerID: container.id, execID: request.execID, io: paths, execSpec: process)
        var event = Containerd_Events_TaskExecAdded()
        event.containerID = container.id
        event.execID = request.execID
        events.publish(event)
    }

    func state(_ request: Containerd_Task_V2_StateRequest) throws -> Containerd_Task_V2_StateResponse {
        let (container, process) = try lookup(request.id, request.execID)
        var response = Containerd_Task_V2_StateResponse()
        response.id = process.execID.isEmpty ? container.id : process.execID
        response.bundle = container.bundle
        response.pid = hypervisorPID
        response.status = process.status
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
        let (container, process) = try lookup(request.id, request.execID)
        guard process.status != .stopped else { return }
        if process.status == .created && request.execID.isEmpty {
            // Never started: there is nothing to signal; report it as killed.
            exited(process, code: 128 + signal)
            return
        }
        try await requireSandbox().agent.signalProcess(
            containerID: container.id, execID: request.execID, signal: signal)
    }

    func wait(_ request: Containerd_Task_V2_WaitRequest) async throws -> Containerd_Task_V2_WaitResponse {
        let (_, process) = try lookup(request.id, request.execID)
        await process.exited.wait()
        var response = Containerd_Task_V2_WaitResponse()
        response.exitStatus = process.exitStatus
        response.exitedAt = process.exitedAtTimestamp
        return response
    }

    func pids(_ request: Containerd_Task_V2_PidsRequest) throws -> Containerd_Task_V2_PidsResponse {
        let (container, _) = try lookup(request.id, "")
        var response = Containerd_Task_V2_PidsResponse()
        var info = Containerd_V1_Types_ProcessInfo()
        info.pid = hypervisorPID
        response.processes =
            [info] + container.execs.values.filter { $0.status == .running }.map { _ in info }
        return response
    }

    func pause(_ request: Containerd_Task_V2_PauseRequest) async throws {
        let (container, process) = try lookup(request.id, "")
        try await requireSandbox().agent.pauseContainer(id: container.id)
        process.status = .paused
        var event = Containerd_Events_TaskPaused()
        event.containerID = container.id
        events.publish(event)
    }

    func resume(_ request: Containerd_Task_V2_ResumeRequest) async throws {
        let (container, process) = try lookup(request.id, "")
        try await requireSandbox().agent.resumeContainer(id: container.id)
        process.status = .running
        var event = Containerd_Events_TaskResumed()
        event.containerID = container.id
        events.publish(event)
    }

    func closeIO(_ request: Containerd_Task_V2_CloseIORequest) async throws {
        let (_, process) = try lookup(request.id, request.execID)
        if request.stdin { await process.relay?.closeStdin() }
    }

    func resizePty(_ request: Containerd_Task_V2_ResizePtyRequest) async throws {
        let (container, process) = try lookup(request.id, request.execID)
        try await requireSandbox().agent.resizeTerminal(
            containerID: container.id, execID: process.execID, rows: request.height, columns: request.width)
    }

    func update(_ request: Containerd_Task_V2_UpdateTaskRequest) async throws {
        let (container, _) = try lookup(request.id, "")
        let resources: Resources
        do {
            resources = try JSONDecoder().decode(Resources.self, from: request.resources.value)
        } catch {
            throw KataError(
                .invalidArgument, "update \(request.id): resources are not OCI LinuxResources: \(error)")
        }
        try await requireSandbox().agent.updateContainer(id: container.id, resources: resources)
    }

    func connect(_ request: Containerd_Task_V2_ConnectRequest) throws -> Containerd_Task_V2_ConnectResponse {
        _ = try lookup(request.id, "")
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
        await waitForCreates()
        guard containers.isEmpty || force || request.now else { return }
        shuttingDown = true
        await stopSandbox()
        containers = [:]
        await events.finish(within: .seconds(1))
        onShutdown()
    }
}
