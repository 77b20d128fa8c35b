import KataCore

#if canImport(Glibc)
    import Glibc
#endif

extension ContainerRegistry {
    /// Starts a process through `start` (crun create or exec) with pipes, or with a terminal
    /// whose pty master crun hands back on a console socket, and wraps it.
    func launch(
        execID: String, console consolePath: String, terminal: Bool,
        start: (ProcessSpawner.Stdio, String?) async throws -> Int32
    ) async throws -> ManagedProcess {
        let reaper = crun.spawner.reaper
        if terminal {
            let console = try ConsoleSocket(path: consolePath)
            defer { console.close() }
            let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
            guard devNull >= 0 else { throw KataError.system("open /dev/null", errno: errno) }
            defer { close(devNull) }
            async let master = console.receiveMaster()
            let pid: Int32
            do {
                pid = try await start(.init(stdin: devNull, stdout: devNull, stderr: devNull), console.path)
            } catch {
                console.close()  // unblocks receiveMaster
                _ = try? await master
                throw error
            }
            let fd = try await master
            // The output side drains its own copy, so closing the master at exit loses nothing.
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
            guard copy >= 0 else {
                let error = KataError.system("dup pty master", errno: errno)
                close(fd)
                kill(pid, SIGKILL)
                throw error
            }
            let output = OutputBuffer()
            output.startDraining(fd: copy)
            return ManagedProcess(
                execID: execID, pid: pid, stdin: nil, stdout: output, stderr: nil, terminal: fd,
                reaper: reaper)
        }
        let stdin = try Pipe(), stdout = try Pipe(), stderr = try Pipe()
        let pid: Int32
        do {
            pid = try await start(
                .init(stdin: stdin.readEnd, stdout: stdout.writeEnd, stderr: stderr.writeEnd), nil)
        } catch {
            [stdin.readEnd, stdin.writeEnd, stdout.readEnd, stdout.writeEnd, stderr.readEnd, stderr.writeEnd]
                .forEach { close($0) }
            throw error
        }
        // The child holds its ends now; ours must close or EOF never comes.
        [stdin.readEnd, stdout.writeEnd, stderr.writeEnd].forEach { close($0) }
        let out = OutputBuffer(), err = OutputBuffer()
        out.startDraining(fd: stdout.readEnd)
        err.startDraining(fd: stderr.readEnd)
        return ManagedProcess(
            execID: execID, pid: pid, stdin: stdin.writeEnd, stdout: out, stderr: err,
            terminal: nil, reaper: reaper)
    }
}
