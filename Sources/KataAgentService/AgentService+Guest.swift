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

    func setGuestDateTime(_ request: Grpc_SetGuestDateTimeRequest) async throws {
        guard request.usec >= 0, request.usec < 1_000_000 else {
            throw KataError(
                .invalidArgument, "SetGuestDateTime: usec \(request.usec) out of range 0..<1000000")
        }
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

    /// Writes a chunk of a file the host copies in (at `offset`), only under `copyFileRoot`.
    func copyFile(_ request: Grpc_CopyFileRequest) async throws {
        let path = request.path
        guard path.hasPrefix(paths.copyFileRoot + "/"), !path.split(separator: "/").contains("..") else {
            throw KataError(.invalidArgument, "CopyFile: \(path) is not under \(paths.copyFileRoot)")
        }
        guard request.offset >= 0 else {
            throw KataError(.invalidArgument, "CopyFile \(path): negative offset")
        }
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try makeDirectory(directory, mode: mode_t(request.dirMode == 0 ? 0o755 : request.dirMode))
        let mode = mode_t(request.fileMode == 0 ? 0o644 : request.fileMode & 0o7777)
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw KataError.system("CopyFile: open \(path)", errno: errno) }
        defer { close(fd) }
        let data = [UInt8](request.data)
        var written = 0
        while written < data.count {
            let n = data[written...].withUnsafeBytes {
                pwrite(fd, $0.baseAddress, $0.count, off_t(request.offset) + off_t(written))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw KataError.system("CopyFile: write \(path)", errno: errno) }
            written += n
        }
        if request.fileSize > 0, request.offset + Int64(data.count) >= request.fileSize {
            _ = ftruncate(fd, off_t(request.fileSize))
        }
        guard fchmod(fd, mode) == 0,
            fchown(fd, uid_t(bitPattern: request.uid), gid_t(bitPattern: request.gid)) == 0
        else { throw KataError.system("CopyFile: owner and mode of \(path)", errno: errno) }
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
