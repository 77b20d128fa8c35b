import Foundation
import KataCore
import QEMU
import Testing

/// What the QEMU tests boot: the Debian kernel from `make kernel` and a tiny busybox initrd
/// built here, in a private temp directory that `cleanUp()` removes.
struct TestGuest {
    static let readyMarker = "KATA-QEMU-TEST-GUEST-READY"

    /// The package's build/kernel, found from this file's location.
    static var kernelDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("build/kernel")
    }

    /// The unpacked ELF vmlinux boots ~3 s faster under TCG than the bzImage.
    static func kernel() throws -> String {
        for name in ["vmlinux", "vmlinuz"] {
            let path = kernelDirectory.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw KataError(.notFound, "\(kernelDirectory.path): no guest kernel; run `make kernel` first")
    }

    /// newc cpio bytes, built once per test process (busybox is ~2 MB).
    static let initrd: Result<[UInt8], any Error> = Result {
        let busybox = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/bin/busybox")))
        let script = """
            #!/bin/busybox sh
            /bin/busybox mount -t proc proc /proc
            /bin/busybox echo \(readyMarker)
            exec /bin/busybox sleep 100000

            """
        var archive = CPIOArchive()
        for directory in ["dev", "proc", "sys", "bin"] { archive.addDirectory(directory) }
        archive.addCharacterDevice("dev/console", major: 5, minor: 1)
        archive.addFile("bin/busybox", contents: busybox, mode: 0o755)
        archive.addFile("init", contents: Array(script.utf8), mode: 0o755)
        return archive.finish()
    }

    let directory: URL
    var runDirectory: String { directory.appendingPathComponent("run").path }
    var consoleLog: String { directory.appendingPathComponent("console.log").path }

    init() throws {
        directory = URL(fileURLWithPath: "/tmp/kq-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A small TCG guest: q35, 1 vCPU, 256 MiB, no NIC, serial console to `consoleLog`.
    func commandLine(bootKernel: Bool, startPaused: Bool = false) throws -> QEMUCommandLine {
        var commandLine = QEMUCommandLine(
            name: "kata-test", machine: Machine(accelerator: .tcg), memory: Memory(size: .mebibytes(256)),
            consoleLog: SerialConsoleLog(path: consoleLog), startPaused: startPaused)
        if bootKernel {
            let initrdPath = directory.appendingPathComponent("initrd.cpio").path
            try Data(try Self.initrd.get()).write(to: URL(fileURLWithPath: initrdPath))
            commandLine.kernel = KernelBoot(
                kernel: try Self.kernel(), initrd: initrdPath,
                commandLine: "console=ttyS0 quiet panic=-1 rdinit=/init")
        }
        return commandLine
    }

    /// Waits for the init script's marker on the console.
    func waitForReady(timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let log = try? String(contentsOfFile: consoleLog, encoding: .utf8),
                log.contains(Self.readyMarker)
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOfFile: consoleLog, encoding: .utf8)) ?? "<no console log>"
        throw KataError(
            .timeout,
            "guest did not print \(Self.readyMarker) within \(timeout); console:\n\(log.suffix(2000))")
    }

    /// Nothing of the instance is left: no process, no run directory (sockets, pid file).
    static func expectGone(_ instance: QEMUInstance, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            kill(instance.pid, 0) == -1 && errno == ESRCH, "QEMU \(instance.pid) still exists",
            sourceLocation: sourceLocation)
        #expect(
            !FileManager.default.fileExists(atPath: instance.runDirectory),
            "\(instance.runDirectory) left behind",
            sourceLocation: sourceLocation)
    }
}

/// The newc ("070701") cpio format the kernel unpacks as an initramfs.
struct CPIOArchive {
    private var bytes: [UInt8] = []
    private var inode = 1

    mutating func addDirectory(_ name: String) { add(name, mode: 0o040755, contents: []) }

    mutating func addFile(_ name: String, contents: [UInt8], mode: UInt32) {
        add(name, mode: 0o100000 | mode, contents: contents)
    }

    mutating func addCharacterDevice(_ name: String, major: UInt32, minor: UInt32) {
        add(name, mode: 0o020600, contents: [], rdev: (major, minor))
    }

    mutating func finish() -> [UInt8] {
        add("TRAILER!!!", mode: 0, contents: [], countsAsInode: false)
        return bytes
    }

    private mutating func add(
        _ name: String, mode: UInt32, contents: [UInt8], rdev: (UInt32, UInt32) = (0, 0),
        countsAsInode: Bool = true
    ) {
        let nameBytes = Array(name.utf8) + [0]
        let fields: [UInt32] = [
            countsAsInode ? UInt32(inode) : 0, mode, 0, 0, 1, 0, UInt32(contents.count), 0, 0, rdev.0, rdev.1,
            UInt32(nameBytes.count), 0,
        ]
        if countsAsInode { inode += 1 }
        bytes += Array("070701".utf8)
        for field in fields { bytes += Array(String(format: "%08X", field).utf8) }
        bytes += nameBytes
        pad()
        bytes += contents
        pad()
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }
}
