import Firmware
import Foundation
import KataCore
import TestFixtures
import VirtualMachine

/// A synthetic firmware (SEV metadata, SEV-ES reset block, hashes table, TDVF metadata), a
/// kernel, an initrd and VM descriptions around them, in a temporary directory.
final class MeasurementFixture {
    let directory: String
    let firmware: String
    let kernel: String
    let initrd: String
    let cmdline = "console=ttyS0 quiet"

    init(seed: UInt64 = 11) throws {
        directory = NSTemporaryDirectory() + "kata-expected-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SeededGenerator(state: seed)
        var builder = FirmwareBuilder(size: 16 * 4096)
        builder.tableEntries = [
            (.sevESResetBlock, le(UInt32(0xffff_f000))),
            (.sevHashTable, le(UInt32(0x80_f000)) + le(UInt32(0x1000))),
        ]
        builder.sevSections = [
            (0x80_0000, 0x2000, 1), (0x80_2000, 0x1000, 2), (0x80_3000, 0x1000, 3), (0x80_f000, 0x1000, 0x10),
        ]
        builder.tdvfSections = [
            .init(
                dataOffset: 0, rawDataSize: 0x2000, memoryAddress: 0xffff_0000, memoryDataSize: 0x2000,
                type: 0, attributes: 1),
            .init(
                dataOffset: 0, rawDataSize: 0, memoryAddress: 0x80_0000, memoryDataSize: 0x1000, type: 3,
                attributes: 0),
        ]
        firmware = directory + "/OVMF.fd"
        kernel = directory + "/vmlinuz"
        initrd = directory + "/initrd.img"
        try Data(builder.build(using: &random)).write(to: URL(fileURLWithPath: firmware))
        // A bzImage-shaped PE with random contents: SEV hashes the file, TDX its Authenticode.
        let noise = (0..<0x3000).map { _ in UInt8.random(in: 0...255, using: &random) }
        try Data(PEImageBuilder.bzImage(size: noise.count).build { noise[$0] }).write(
            to: URL(fileURLWithPath: kernel))
        try Data((0..<3000).map { _ in UInt8.random(in: 0...255, using: &random) }).write(
            to: URL(fileURLWithPath: initrd))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func vm(
        _ confidential: ConfidentialLaunch?, cpuModel: String = "host", vcpus: Int = 2,
        firmware: String? = nil
    )
        -> VirtualMachineDescription
    {
        VirtualMachineDescription(
            sandboxID: "s1", runDirectory: directory + "/vm", hypervisorPath: "/usr/bin/qemu-system-x86_64",
            accelerator: .kvm, cpuModel: cpuModel, vcpus: vcpus, memoryMiB: 2048, kernel: kernel,
            initrd: initrd,
            kernelCommandLine: cmdline, firmware: firmware ?? self.firmware,
            agentChannel: .virtioSerial(socketPath: directory + "/agent.sock"), confidential: confidential)
    }

    static let bits = EncryptionBits(cBitPosition: 51, reducedPhysBits: 1)
    static let sev = ConfidentialLaunch.sev(SEVLaunchOptions(policy: 0x1, bits: bits))
    static let sevES = ConfidentialLaunch.sev(SEVLaunchOptions(policy: 0x5, bits: bits))
    static let snp = ConfidentialLaunch.snp(SNPLaunchOptions(bits: bits))
    static let tdx = ConfidentialLaunch.tdx(TDXLaunchOptions())
}
