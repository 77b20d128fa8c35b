import CKataSys
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Starts programs with posix_spawn (no shell), wiring the given descriptors to stdin, stdout
/// and stderr. Every descriptor the agent opens is close-on-exec, so a child inherits only
/// these three.
public struct ProcessSpawner: Sendable {
    public let reaper: ChildReaper

    public init(reaper: ChildReaper) { self.reaper = reaper }

    public struct Stdio: Sendable {
        public var stdin: Int32
        public var stdout: Int32
        public var stderr: Int32
        public init(stdin: Int32, stdout: Int32, stderr: Int32) {
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Spawns `argv[0]` (an absolute path) and returns its pid; the reaper tracks it.
    public func spawn(_ argv: [String], environment: [String] = [], stdio: Stdio) throws -> Int32 {
        guard let path = argv.first, path.hasPrefix("/") else {
            throw KataError(.invalidArgument, "spawn: program must be an absolute path, got \(argv)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdio.stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdio.stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stdio.stderr, 2)
        _ = ckata_spawn_actions_closefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The agent ignores SIGPIPE; children must start with default dispositions.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let rc = withCStrings(argv) { cArgv in
            withCStrings(environment) { cEnv in
                posix_spawn(&pid, path, &actions, &attributes, cArgv, cEnv)
            }
        }
        guard rc == 0 else { throw KataError.system("spawn \(path)", errno: rc) }
        reaper.track(pid)
        return pid
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}

/// A pipe whose ends are close-on-exec; `dup2` onto 0/1/2 clears the flag for the child.
public struct Pipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32

    public init() throws {
        var fds: [Int32] = [0, 0]
        let rc = ckata_pipe_cloexec(&fds)
        guard rc == 0 else { throw KataError.system("pipe2", errno: -rc) }
        readEnd = fds[0]
        writeEnd = fds[1]
    }
}
