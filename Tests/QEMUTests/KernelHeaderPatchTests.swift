import Firmware
import Foundation
import KataCore
import TDX
import Testing

@testable import QEMU

/// The setup-header bytes this machine's QEMU (7.2, before 10.2, so it patches) really writes,
/// against `QEMUKernelHeaderPatch`: QEMU boots the Debian bzImage with an initrd, and QMP
/// `pmemsave` reads the setup it placed at 0x10000 (real_addr). Every byte of the header
/// (0x1f1-0x27f) must be the file's byte with our patches applied, except ramdisk_image:
/// SeaBIOS's linuxboot option ROM, which this non-TDX boot runs and OVMF does not, moves the
/// initrd and rewrites that field. (A TD is not launched: this host has no TDX; the header
/// code is the same for any x86 guest before QEMU 10.2.)
@Suite struct KernelHeaderPatchTests {
    static let commandLine = "console=ttyS0 quiet panic=-1 kata.rtmr-test=1"
    static let memoryMiB = 256

    @Test func qemuPatchesTheHeaderAsWeModelIt() async throws {
        let kernel = TestGuest.kernelDirectory.appendingPathComponent("vmlinuz").path
        try #require(FileManager.default.fileExists(atPath: kernel), "run `make kernel`")
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let initrd = guest.directory.appendingPathComponent("initrd.img").path
        try Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(
            to: URL(fileURLWithPath: initrd))
        var commandLine = try guest.commandLine(bootKernel: false)
        commandLine.memory = Memory(size: .mebibytes(Self.memoryMiB))
        commandLine.kernel = KernelBoot(kernel: kernel, initrd: initrd, commandLine: Self.commandLine)
        let instance = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        let dumpPath = guest.directory.appendingPathComponent("setup.bin").path
        var dump: [UInt8] = []
        do {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                _ = try await instance.qmp.execute(
                    "pmemsave", arguments: ["val": 0x10000, "size": 0x1000, "filename": .string(dumpPath)])
                dump = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: dumpPath)))) ?? []
                if dump.count == 0x1000, dump[0x202..<0x206].elementsEqual("HdrS".utf8), dump[0x210] == 0xb0 {
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        } catch {
            _ = await instance.stop()
            throw error
        }
        _ = await instance.stop()
        try #require(
            dump.count == 0x1000 && dump[0x210] == 0xb0, "the option ROM never placed the setup at 0x10000")

        let file = try FileReader(path: kernel)
        let patches = try QEMUKernelHeaderPatch.patches(
            header: try LinuxSetupHeader.read(file), path: kernel,
            commandLineLength: Self.commandLine.utf8.count,
            initrdSize: 3_000_000, memoryBytes: UInt64(Self.memoryMiB) << 20)
        let expected = try PatchedFile(file, patches: patches).read(at: 0, count: 0x280, what: "setup header")
        let compared = (0x1f1..<0x280).filter { !(0x218..<0x21c).contains($0) }
        let differing = compared.filter { dump[$0] != expected[$0] }.map { "0x" + String($0, radix: 16) }
        #expect(differing.isEmpty, "QEMU's header differs from ours at \(differing)")
        #expect(Set(patches.keys).isSubset(of: Set(0x210..<0x230)))
    }
}
