import Firmware
import Foundation
import SEV
import TestFixtures
import Testing

/// Random command lines for `sev-snp-measure` / `kata-runtime measure`, with the files they name.
struct CrossCheckCases<R: RandomNumberGenerator> {
    var random: R
    let directory: URL
    private var fileCount = 0
    /// Set per case: a clean case avoids the choices that make sev-snp-measure refuse, so that
    /// every mode has plenty of measured cases besides the refused ones.
    private var clean = false

    init(random: R, directory: URL) {
        self.random = random
        self.directory = directory
    }

    private mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &random) < probability
    }

    private mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    mutating func write(_ bytes: [UInt8], name: String) -> String {
        fileCount += 1
        let path = directory.appendingPathComponent("\(fileCount)-\(name)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
        return path
    }

    private mutating func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// A firmware image with the footer layout; mostly well formed, sometimes not.
    mutating func firmware(svsmInfo: Bool = false, sevVersion: UInt32? = nil) -> String {
        let pages = Int.random(in: 3...12, using: &random)
        let ragged = !clean && chance(0.08)
        var builder = FirmwareBuilder(
            size: pages * 4096 + (ragged ? Int.random(in: 1...4095, using: &random) : 0))
        if clean || chance(0.9) {
            let eip: UInt32 =
                !clean && chance(0.1) ? 0 : UInt32.random(in: 0x80_0000...0xffff_ffff, using: &random)
            builder.tableEntries.append((.sevESResetBlock, le(eip)))
        }
        if clean || chance(0.85) {
            let offset = !clean && chance(0.05) ? UInt32(0xf60) : UInt32.random(in: 0...0xf50, using: &random)
            let gpa: UInt32 =
                !clean && chance(0.1) ? 0 : UInt32.random(in: 0x800...0xfff00, using: &random) << 12 | offset
            builder.tableEntries.append((.sevHashTable, le(gpa) + le(UInt32(0x1000))))
        }
        if svsmInfo {
            builder.tableEntries.append((.svsmInfo, le(UInt32.random(in: 0...0x2000, using: &random))))
        }
        if chance(0.3) {
            builder.tableEntries.append(
                (
                    FirmwareGUID(imageBytes: randomBytes(16))!,
                    randomBytes(Int.random(in: 0...9, using: &random))
                ))
        }
        if clean || chance(0.9) {
            builder.sevSections = (0..<Int.random(in: 0...6, using: &random)).map { _ in sevSection() }
            if clean {
                builder.sevSections!.insert(
                    (0x80_f000, 4096, 0x10),
                    at: Int.random(in: 0...builder.sevSections!.count, using: &random))
            }
            if !clean && chance(0.03) { builder.sevSignature = Array("ASEW".utf8) }
            if !clean && chance(0.03) { builder.sevVersion = 2 }
        }
        if let sevVersion {
            builder.sevSections = builder.sevSections ?? []
            builder.sevVersion = sevVersion
        }
        return write(builder.build(using: &random), name: "firmware.fd")
    }

    private mutating func sevSection() -> (UInt32, UInt32, UInt32) {
        let gpa = UInt32.random(in: 0x80...0xfff, using: &random) << 12
        let type: UInt32 = !clean && chance(0.03) ? 5 : pick([1, 2, 3, 4, 0x10])
        var size = UInt32(4096)
        if type == 1 || type == 4 { size = UInt32.random(in: 1...4, using: &random) * 4096 }
        if !clean && type == 0x10 && chance(0.05) { size = 8192 }
        if !clean && chance(0.04) { size += UInt32.random(in: 1...4095, using: &random) }
        return (gpa, size, type)
    }

    mutating func cmdline() -> String {
        pick([
            "", "console=ttyS0 root=/dev/vda1 ro", "quiet", "ключ=значение ü€ 𝄞 \u{7f}", "a\tb  c",
            String(repeating: "x", count: Int.random(in: 1...3000, using: &random)),
        ])
    }

    /// Options for the kernel, initrd and command line (sometimes inconsistent on purpose).
    mutating func kernelOptions() -> [String] {
        var options: [String] = []
        let hasKernel = chance(0.6)
        if hasKernel {
            options += [
                "--kernel",
                write(
                    randomBytes(chance(0.1) ? 0 : Int.random(in: 1...40000, using: &random)), name: "vmlinuz"),
            ]
        }
        if chance(hasKernel ? 0.6 : clean ? 0 : 0.05) {
            options += [
                "--initrd",
                chance(0.1)
                    ? "" : write(randomBytes(Int.random(in: 0...30000, using: &random)), name: "initrd"),
            ]
        }
        if chance(hasKernel ? 0.7 : clean ? 0 : 0.05) { options += ["--append", cmdline()] }
        return options
    }

    /// One of the ways to give a vCPU signature, or none.
    mutating func vcpuOptions() -> [String] {
        switch Int.random(in: 0..<(clean ? 5 : 8), using: &random) {
        case 0, 1: return ["--vcpu-type", pick(CPUSignature.byTypeName.map(\.key))]
        case 2: return ["--vcpu-sig", String(UInt32.random(in: 0...0xfff_ffff, using: &random))]
        case 3:
            return [
                "--vcpu-sig", "0x" + String(UInt64.random(in: 0...UInt64.max, using: &random), radix: 16),
            ]
        case 4:
            return [
                "--vcpu-family", String(Int.random(in: 0...40, using: &random)), "--vcpu-model",
                String(Int.random(in: 0...300, using: &random)), "--vcpu-stepping",
                String(Int.random(in: 0...20, using: &random)),
            ]
        case 5: return ["--vcpu-family", String(Int.random(in: 1...30, using: &random))]  // incomplete
        case 6:
            return [
                "--vcpu-sig", pick(["0", "-1", "0b101", "0o17", "1_000", " 42 "]), "--vcpu-type",
                "EPYC-Milan",
            ]
        default: return []
        }
    }

    mutating func commonOptions(mode: String) -> [String] {
        var options: [String] = []
        if clean || chance(0.95) { options += ["--vcpus", String(Int.random(in: 0...5, using: &random))] }
        options += vcpuOptions()
        if chance(0.5) {
            options += [
                "--vmm-type",
                !clean && chance(0.03)
                    ? "kvm" : pick(clean && mode == "snp:svsm" ? ["QEMU"] : ["QEMU", "ec2", "gce"]),
            ]
        }
        if chance(0.5) {
            options += [
                "--guest-features", "0x" + String(UInt64.random(in: 0...0xffff, using: &random), radix: 16),
            ]
        }
        if chance(0.3) { options += ["--output-format", "base64"] }
        if chance(0.1) { options.append("-v") }
        if chance(0.1) { options.append("--dump-vmsa") }
        if chance(mode == "snp" ? 0.15 : clean ? 0 : 0.03) {
            options += ["--snp-ovmf-hash", hexString(randomBytes(!clean && chance(0.05) ? 47 : 48))]
        }
        return options
    }

    /// A full command line for `mode` on a fresh random image.
    mutating func arguments(mode: String, firmware: String? = nil) -> [String] {
        clean = chance(0.7)
        let firmware = firmware ?? self.firmware()
        var options = ["--mode", mode, "--ovmf", firmware]
        switch mode {
        case "snp:ovmf-hash":
            if chance(0.3) { options += ["--output-format", "base64"] }
            return options
        case "snp:svsm":
            options += ["--svsm", self.firmware(svsmInfo: true)]
            let varsFile = chance(0.5)
            if !varsFile || !clean && chance(0.2) {
                options += [
                    "--vars-size", String(Int.random(in: clean ? 1...64 : 0...64, using: &random) * 4096),
                ]
            }
            if varsFile || !clean && chance(0.2) {
                options += [
                    "--vars-file",
                    write(randomBytes(Int.random(in: 1...5, using: &random) * 4096), name: "vars.fd"),
                ]
            }
            return options + commonOptions(mode: mode)
        default:
            return options + kernelOptions() + commonOptions(mode: mode)
        }
    }
}
