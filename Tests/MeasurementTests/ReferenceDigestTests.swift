import Firmware
import Foundation
import KataRuntimeCLI
import SEV
import Testing

/// The digests `Fixtures/README.md` gives for `ovmf_suffix.bin` (an AmdSev OVMF tail),
/// computed by the reference Go implementation; kernel and initrd are empty files, cmdline "".
@Suite struct ReferenceDigestTests {
    let suffix = TestSupport.ovmfSuffix

    func withEmptyFile<T>(_ body: (String) throws -> T) throws -> T {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        return try body(empty)
    }

    @Test func sevWithoutKernel() throws {
        let digest = try SEVMeasurement.sev(SEVLaunch(firmwarePath: suffix)).digest
        #expect(hexString(digest) == "b184e06e012366fd7b33ebfb361a515d05f00d354dca07b36abbc1e1e177ced5")
    }

    @Test func sevWithKernelHashes() throws {
        let digest = try withEmptyFile { empty in
            try SEVMeasurement.sev(
                SEVLaunch(firmwarePath: suffix, kernelPath: empty, initrdPath: empty, cmdline: "")
            ).digest
        }
        #expect(hexString(digest) == "d59d7696efd7facfaa653758586e6120c4b6eaec3e327771d278cc6a44786ba5")
    }

    @Test(arguments: [
        (1, VMSAFlavour.legacy, "7e5c26fb454621eb466978b4d0242b3c04b44a034de7fc0a2d8dac60ea2b6403"),
        (4, VMSAFlavour.legacy, "b2111b0051fc3a06ec216899b2c78da99fb9d56c6ff2e8261dd3fe6cff79ecbc"),
        (1, VMSAFlavour.current, "71f2ad31168a38ba16015de87b87618b30c38572553c371e8dee0c0731e3fdce"),
        (4, VMSAFlavour.current, "4fb2a2c4b2321ef9fcc5603b8f56bed5320284333cd8c744cd49e17819a4e403"),
    ])
    func sevES(vcpus: Int, flavour: VMSAFlavour, expected: String) throws {
        let digest = try withEmptyFile { empty in
            try SEVMeasurement.sevES(
                SEVLaunch(
                    firmwarePath: suffix, kernelPath: empty, initrdPath: empty, cmdline: "", vcpus: vcpus,
                    vcpuSignature: CPUSignature.forType("EPYC-v4")!, flavour: flavour)
            ).digest
        }
        #expect(hexString(digest) == expected)
    }

    @Test func commandLinePrintsTheSameDigests() throws {
        let output = try withEmptyFile { empty in
            try MeasureCommand.parse([
                "--mode", "seves", "--ovmf", suffix, "--vcpus", "4", "--vcpu-type", "EPYC-v4", "--kernel",
                empty,
                "--initrd", empty, "--append", "", "--vmsa-flavour", "legacy",
            ]).execute().text
        }
        #expect(output == "b2111b0051fc3a06ec216899b2c78da99fb9d56c6ff2e8261dd3fe6cff79ecbc")
    }

    @Test func footerTableOfTheSuffix() throws {
        let image = try FirmwareImage(path: suffix)
        #expect(image.table.sevESResetEIP == 0x80_b004)
        #expect(image.table.sevHashTableGPA == 0x80_fc00)
        #expect(image.table.tdxMetadataOffset != nil)
        let sections = try image.sevMetadata()
        #expect(sections.map(\.type) == [.snpSecMem, .snpSecMem, .snpSecrets, .cpuid, .snpSecMem])
    }
}
