import GuestAgent
import KataCore
import Protocols

#if canImport(Glibc)
    import Glibc
#endif

extension AgentService {
    func guestDetails(_ request: Grpc_GuestDetailsRequest) async throws -> Grpc_GuestDetailsResponse {
        .with { response in
            if request.memBlockSize {
                // sysfs prints the block size in hex without a prefix.
                let text = (try? readText("/sys/devices/system/memory/block_size_bytes")) ?? ""
                response.memBlockSizeBytes = UInt64(text, radix: 16) ?? 0
            }
            response.supportMemHotplugProbe = false
            response.agentDetails = .with {
                $0.version = Self.version
                $0.initDaemon = getpid() == 1
                $0.storageHandlers = StorageMount.drivers.keys.sorted()
                $0.supportsSeccomp = true
            }
        }
    }

    /// `usec` was validated to 0..<1000000, so the nanoseconds cannot overflow.
    func setGuestDateTime(_ request: Grpc_SetGuestDateTimeRequest) async throws {
        var time = timespec(tv_sec: Int(request.sec), tv_nsec: Int(request.usec) * 1000)
        guard clock_settime(CLOCK_REALTIME, &time) == 0 else {
            throw KataError.system("SetGuestDateTime: clock_settime", errno: errno)
        }
    }

    /// Brings offline CPUs (up to `nbCpus`, all when 0) and, unless `cpuOnly`, offline memory
    /// blocks online after a hotplug.
    func onlineCPUMem(_ request: Grpc_OnlineCPUMemRequest) async throws {
        var cpus = 0
        for entry in listDirectory("/sys/devices/system/cpu") where entry.hasPrefix("cpu") {
            guard Int(entry.dropFirst(3)) != nil, request.nbCpus == 0 || cpus < request.nbCpus else {
                continue
            }
            let online = "/sys/devices/system/cpu/\(entry)/online"
            if (try? readText(online)) == "0" {
                try writeText(online, "1")
                cpus += 1
            }
        }
        guard !request.cpuOnly else { return }
        for entry in listDirectory("/sys/devices/system/memory") where entry.hasPrefix("memory") {
            let state = "/sys/devices/system/memory/\(entry)/state"
            if (try? readText(state)) == "offline" { try writeText(state, "online") }
        }
    }

    /// Writes a chunk of a file the host copies in (at `offset`), only below `copyFileRoot`:
    /// directories and the file are opened beneath it without following symlinks, so a link
    /// planted in the share cannot send the write elsewhere; only a regular file is written.
    func copyFile(_ request: Grpc_CopyFileRequest) async throws {
        let path = request.path
        let components = try BeneathPath.components(of: path, below: paths.copyFileRoot, field: "path")
        let directoryMode = mode_t(request.dirMode == 0 ? 0o755 : request.dirMode & 0o7777)
        let directory = try BeneathPath.openDirectory(
            root: paths.copyFileRoot, components.dropLast(), creating: directoryMode)
        let mode = mode_t(request.fileMode == 0 ? 0o644 : request.fileMode & 0o7777)
        // A directory entry (upstream's file_mode with S_IFDIR): made, without following links.
        if request.fileMode & UInt32(S_IFMT) == UInt32(S_IFDIR) {
            _ = try BeneathPath.openDirectory(root: paths.copyFileRoot, components, creating: mode)
            return
        }
        // O_NONBLOCK: a FIFO planted there must fail the open, not block it.
        let file = try BeneathPath.open(
            components[components.count - 1], in: directory, path: path,
            flags: O_WRONLY | O_CREAT | O_NONBLOCK, mode: mode)
        let data = [UInt8](request.data)
        let failure: (String, Int32)? =
            file.withRaw { fd in
                var info = stat()
                guard fstat(fd, &info) == 0 else { return ("stat", errno) }
                guard info.st_mode & S_IFMT == S_IFREG else { return ("not a regular file:", EINVAL) }
                var written = 0
                while written < data.count {
                    let n = data[written...].withUnsafeBytes {
                        pwrite(fd, $0.baseAddress, $0.count, off_t(request.offset) + off_t(written))
                    }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return ("write", errno) }
                    written += n
                }
                // Validated: offset + count cannot overflow.
                if request.fileSize > 0, request.offset + Int64(data.count) >= request.fileSize {
                    guard ftruncate(fd, off_t(request.fileSize)) == 0 else { return ("truncate", errno) }
                }
                guard fchmod(fd, mode) == 0 else { return ("chmod", errno) }
                guard fchown(fd, uid_t(bitPattern: request.uid), gid_t(bitPattern: request.gid)) == 0 else {
                    return ("chown", errno)
                }
                return nil
            } ?? ("write", EBADF)
        if let (what, code) = failure { throw KataError.system("CopyFile: \(what) \(path)", errno: code) }
    }

    /// Mixes the host's bytes into the entropy pool, then asks the kernel to reseed its CRNG.
    func reseedRandomDevice(_ request: Grpc_ReseedRandomDevRequest) async throws {
        guard !request.data.isEmpty else { throw KataError(.invalidArgument, "ReseedRandomDev: no data") }
        let fd = open("/dev/random", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KataError.system("ReseedRandomDev: open /dev/random", errno: errno) }
        defer { close(fd) }
        let data = [UInt8](request.data)
        guard data.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == data.count else {
            throw KataError.system("ReseedRandomDev: write /dev/random", errno: errno)
        }
        let reseedCRNG: UInt = 0x5207  // RNDRESEEDCRNG, _IO('R', 0x07)
        guard ioctl(fd, reseedCRNG) == 0 else {
            throw KataError.system("ReseedRandomDev: RNDRESEEDCRNG", errno: errno)
        }
    }
}
