import Foundation
import KataLog
import Logging
import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// The `containerd-shim-kata-v2` program: parses containerd's command line and runs the action.
public enum ShimMain {
    /// Returns the process exit status. `dialer` connects to a guest agent.
    public static func run(_ argv: [String], dialer: @escaping AgentDialer) async -> Int32 {
        let args: ShimArguments
        do {
            args = try ShimArguments.parse(argv)
        } catch {
            FileHandle.standardError.write(Data("containerd-shim-kata-v2: \(error)\n".utf8))
            return 2
        }
        signal(SIGPIPE, SIG_IGN)
        if args.action == .serve { redirectStderrToBundleLog(args) }
        _ = KataLogging.bootstrap(level: args.debug ? .debug : .info, identifier: "kata")
        var logger = Logger(label: "kata.shim")
        logger[metadataKey: "sandbox"] = "\(args.id)"
        logger[metadataKey: "subsystem"] = "shim"
        do {
            switch args.action {
            case .start:
                let address = try await ShimStart.run(args)
                FileHandle.standardOutput.write(Data(address.utf8))
            case .delete:
                FileHandle.standardOutput.write(Data(try ShimDelete.run(args, logger: logger)))
            case .serve:
                try await ShimServe.run(args, dialer: dialer, logger: logger)
            }
            return 0
        } catch {
            logger.error("\(args.action.rawValue) failed: \(error)")
            FileHandle.standardError.write(Data("containerd-shim-kata-v2: \(error)\n".utf8))
            return 1
        }
    }

    /// containerd reads a serving shim's log from the `log` FIFO in the bundle.
    static func redirectStderrToBundleLog(_ args: ShimArguments) {
        let bundle = args.bundle.isEmpty ? FileManager.default.currentDirectoryPath : args.bundle
        let fd = open("\(bundle)/log", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return }
        // Writes block like a normal stderr once open; only the open must not wait.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        dup2(fd, 2)
        close(fd)
    }
}
