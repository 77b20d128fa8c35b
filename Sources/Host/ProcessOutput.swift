import CKataSys
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program directly (no shell) with stdin from /dev/null and stdout+stderr captured,
/// killing it when it outlives `timeoutMilliseconds`. The child is always reaped.
public struct ProcessOutput: Sendable, Equatable {
    public var exitStatus: Int32
    public var output: String

    public static func run(
        _ executable: String, _ arguments: [String], timeoutMilliseconds: Int32, outputLimit: Int = 65536
    ) throws -> ProcessOutput {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw KataError.system("pipe", errno: errno) }
        // Close-on-exec so only the child's dup2'ed copies survive exec (pipe2 is not imported).
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        var readEnd = pipeFDs[0]
        defer { if readEnd >= 0 { close(readEnd) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        _ = ckata_spawn_actions_closefrom(&actions, 3)
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawnResult = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(pipeFDs[1])
        guard spawnResult == 0 else { throw KataError.system("spawn \(executable)", errno: spawnResult) }

        var bytes: [UInt8] = []
        var timedOut = false
        let deadline = monotonicMilliseconds() + Int64(timeoutMilliseconds)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = deadline - monotonicMilliseconds()
            if remaining <= 0 { timedOut = true; break }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(remaining))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { timedOut = true; break }
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }  // EOF: the child closed its output
            if bytes.count < outputLimit {
                bytes.append(contentsOf: chunk[0..<min(count, outputLimit - bytes.count)])
            }
        }
        close(readEnd)
        readEnd = -1
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut {
            throw KataError(
                .timeout,
                "\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeoutMilliseconds) ms; killed"
            )
        }
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessOutput(exitStatus: exit, output: String(decoding: bytes, as: UTF8.self))
    }

    private static func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
