import Firmware
import Foundation
import KataCore
import TDX
import TestFixtures
import Testing

/// RTMR1/RTMR2 of a direct boot against the independent Python implementation in
/// Fixtures/tdx_reference.py, over kernels (the Debian bzImage and built ones with other boot
/// protocols and versions), command lines, initrds (none, empty, small, 1 MiB), memory sizes
/// and every boot profile.
@Suite struct RTMRCrossCheckTests {
    struct Case {
        var kernel: String
        var initrd: String?
        var commandLine: String
        var memoryMiB: Int
        var profile: TDXBootProfile

        var json: [String: Any] {
            [
                "kernel": kernel, "initrd": initrd ?? NSNull(), "cmdline": commandLine,
                "memory": memoryMiB << 20, "header": profile.kernelHeader.rawValue,
                "initrd_option": profile.initrdOption.rawValue, "separator": profile.separator.rawValue,
                "stub": profile.stubMeasures.map { $0 as Any } ?? NSNull(),
            ]
        }
    }

    @Test func matchesTheIndependentCalculation() throws {
        try #require(FileManager.default.fileExists(atPath: TestSupport.debianKernel), "run `make kernel`")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededGenerator(state: seed)
        func write(_ name: String, _ bytes: [UInt8]) -> String {
            let path = directory.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            return path
        }
        func noise(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        var oldProtocol = PEImageBuilder.bzImage(size: 0x3000, kernelVersion: "5.10.0 (old) #1")
        oldProtocol.bootProtocol = 0x20b  // no xloadflags: initrd_addr_max bounds the initrd
        oldProtocol.initrdAddressMax = 0x37ff_ffff
        var lowKernel = PEImageBuilder.bzImage(size: 0x3000, kernelVersion: "6.9.0 (low) #1")
        lowKernel.loadFlags = 0  // not LOADED_HIGH: QEMU puts the command line below 0x9a000
        let built = PEImageBuilder.bzImage(size: 0x5000)
        let kernels = [
            TestSupport.debianKernel, write("new.efi", built.build { _ in 0x5a }),
            write("old.efi", oldProtocol.build()), write("low.efi", lowKernel.build()),
        ]
        let initrds: [String?] = [
            nil, write("empty.img", []), write("small.img", noise(777)), write("large.img", noise(1 << 20)),
        ]
        let commandLines = [
            "", "console=hvc0",
            "console=ttyS0 panic=1 quiet tsc=reliable no_timer_check rcupdate.rcu_expedited=1 "
                + "i8042.direct=1 cryptomgr.notests pci=lastbus=0 agent.log=debug -- init args \"quoted\"",
        ]
        var cases: [Case] = []
        for kernel in kernels {
            for initrd in initrds {
                for commandLine in commandLines {
                    let profile = TDXBootProfile(
                        kernelHeader: TDXBootProfile.KernelHeader.allCases.randomElement(using: &random)!,
                        initrdOption: TDXBootProfile.InitrdOption.allCases.randomElement(using: &random)!,
                        separator: TDXBootProfile.SeparatorRegister.allCases.randomElement(using: &random)!,
                        stubMeasures: [true, false, nil].randomElement(using: &random)!)
                    cases.append(
                        Case(
                            kernel: kernel, initrd: initrd, commandLine: commandLine,
                            memoryMiB: [512, 2048, 2816, 8192].randomElement(using: &random)!,
                            profile: profile))
                }
            }
        }
        let casesPath = directory.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: cases.map(\.json)).write(to: casesPath)
        let reference = try TestSupport.tdxReference(["rtmr", casesPath.path], in: directory)
        try #require(reference.count == cases.count)
        for (item, expected) in zip(cases, reference) {
            let boot = try TDXDirectBoot.compute(
                kernel: item.kernel, initrd: item.initrd, commandLine: item.commandLine,
                memoryBytes: UInt64(item.memoryMiB) << 20, profile: item.profile)
            let label = "seed \(seed): \(item.json)"
            #expect(hexString(boot.rtmr1) == expected["rtmr_1"] as? String, "\(label)")
            #expect(hexString(boot.rtmr2) == expected["rtmr_2"] as? String, "\(label)")
            let events = (expected["events"] as? [[Any]] ?? []).map { "rtmr_\($0[0]):\($0[1])" }
            #expect(boot.events.map { "\($0.register):\($0.digest)" } == events, "\(label)")
        }
    }

    /// The LoadOptions event and RTMR2 that aleph-vm's TDX test fixtures record from a TD on
    /// QEMU 10.2.4 with an edk2 202602 IntelTdxX64 TDVF (cmdline
    /// "root=LABEL=cloudimg-rootfs ro console=ttyS0", an 82864902-byte initrd whose SHA-384
    /// they publish): our prefix rule and extend rule reproduce both.
    @Test func reproducesAPublishedHardwareVector() throws {
        let options = try #require(
            TDXDirectBoot.options(
                commandLine: "root=LABEL=cloudimg-rootfs ro console=ttyS0", initrd: true, .prefix))
        let parameters = DigestAlgorithm.sha384.hash(TDXDirectBoot.utf16Options(options))
        #expect(
            hexString(parameters)
                == "b8c85d40a1d555a451571e24d7d7c4c331bc15721d6e4b2a5cb5093214c44174822a0916aa4d622d4309644de99cd59c"
        )
        var rtmr2 = RTMR()
        rtmr2.extend(parameters)
        rtmr2.extend(
            bytes(
                "88de90bedcc560064688c74ccd6609a25ed9d48b0a0e13d8b2a558212724d8755b2c8114dcf04b8d51ea4cf7782e3091"
            ))
        #expect(
            hexString(rtmr2.value)
                == "972547466cb6bcb8a23cd479e9258c3affbbc4f0ba2805d732477200d0dff8432447c7a775e70453cdb51f018a306ece"
        )
    }

    /// The CCEL event log of a direct-booted TD that intel/tdx-tools publishes
    /// (kenplusplus/tdx-tools doc/measure_log_direct_boot.txt, an early TDVF that still logged
    /// boot variables into RTMR1): its EV_EFI_ACTION and EV_SEPARATOR digests are ours, and
    /// replaying its ten RTMR1 digests with our extend gives the RTMR1 the log reports.
    @Test func reproducesAPublishedTDEventLog() throws {
        let log = [
            "79f4a9df8481cbad3650fd313078688da9c21c39a2d7c85b232979c50575a3b487e9af0c21f052b6d5d25f5fa9e8dba8",
            "dd51fc099ce879426d35f0c05ab0cfd5b34c64d09c3ce9f33d34730b7052c04da3e6dda7010ebb2c77a8ef9c79d883ed",
            "64720d9de8027210ac40db280aa06552b112771a4c23a56ad9f29932341a00b4cfddd72bc186e1e3b34e386a3ec297fe",
            "23ada07f5261f12f34a0bd8e46760962d6b4d576a416f1fea1c64bc656b1d28eacf7047ae6e967c58fd2a98bfa74c298",
            "e1ebe64bc230e0f003cdf5edb010ebf07b277ed437a069ab41e251e5230ec8f94e6f62cd0bd45eb9b7a8d01101201cf9",
            "f0fb2cdcc47bf204b41a858f6878b5809c3a9bf6acbd5c4a130f666937a710070c5cf959d3b59c8007b6e63018097d9a",
            "77a0dab2312b4e1e57a84d865a21e5b2ee8d677a21012ada819d0a98988078d3d740f6346bfe0abaa938ca20439a8d71",
            "394341b7182cd227c5c6b07ef8000cdfd86136c4292b8e576573ad7ed9ae41019f5818b4b971c9effc60e1ad9f1289f0",
            "214b0bef1379756011344877743fdc2a5382bac6e70362d624ccf3f654407c1b4badf7d8f9295dd3dabdef65b27677e0",
            "0a2e01c85deae718a530ad8c6d20a84009babe6c8989269e950d8cf440c6e997695e64d455c4174a652cd080f6230b74",
        ]
        let profile = TDXBootProfile(kernelHeader: .unpatched, initrdOption: .prefix, separator: .rtmr1)
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let kernel = directory.appendingPathComponent("kernel.efi")
        FileManager.default.createFile(atPath: kernel.path, contents: Data(PEImageBuilder.bzImage().build()))
        let boot = try TDXDirectBoot.compute(
            kernel: kernel.path, initrd: nil, commandLine: "", memoryBytes: 1 << 30, profile: profile)
        #expect(boot.events.dropFirst().map(\.digest) == Array(log.suffix(4)))
        var rtmr1 = RTMR()
        for digest in log { rtmr1.extend(bytes(digest)) }
        #expect(
            hexString(rtmr1.value)
                == "2939f8c86719ebdcec9ab3c4bc6d8fdf9b545daa806ac9ab078263d140e9b3ca40992ba58eac485f1fc96f7f4555b9ff"
        )
    }

    /// QEMU < 10.2 on the Debian kernel writes the bytes Dstack-TEE/dstack#1185 lists from a
    /// real image (type_of_loader 0xb0, loadflags 0x81, heap_end_ptr 0xfe00, cmd_line_ptr
    /// 0x20000) plus the initrd address and size; QEMU 10.2+ leaves the file as it is.
    @Test func qemuPatchesOnlyTheLoaderFields() throws {
        try #require(FileManager.default.fileExists(atPath: TestSupport.debianKernel), "run `make kernel`")
        let header = try LinuxSetupHeader.read(try FileReader(path: TestSupport.debianKernel))
        #expect(header.protocolVersion == 0x20f && header.release! == (6, 1))
        let patches = try QEMUKernelHeaderPatch.patches(
            header: header, path: TestSupport.debianKernel, commandLineLength: 20, initrdSize: 0x12_3456,
            memoryBytes: 2048 << 20)
        #expect(
            Set(patches.keys)
                == Set([0x210, 0x211, 0x224, 0x225] + Array(0x218..<0x220) + Array(0x228..<0x22c)))
        #expect(patches[0x210] == 0xb0 && patches[0x211] == 0x81)
        #expect([patches[0x224], patches[0x225]] == [0x00, 0xfe])
        #expect((0x228..<0x22c).map { patches[$0]! } == [0x00, 0x00, 0x02, 0x00])
        // initrd_max = 2 GiB - ACPI data - 1; the initrd sits page-aligned below it.
        let address = (0x218..<0x21c).reduce(0) { $0 | Int(patches[$1]!) << (8 * ($1 - 0x218)) }
        #expect(address == (0x8000_0000 - 0x28000 - 1 - 0x12_3456) & ~0xfff)
    }

    @Test func versionRulesPickTheProfile() throws {
        let old = try TDXBootProfile(qemuVersion: "10.1.2", edk2Version: "edk2-stable202408.01")
        #expect(old == TDXBootProfile(kernelHeader: .patched, initrdOption: .suffix, separator: .rtmr0))
        let fixed = try TDXBootProfile(qemuVersion: "v10.2.0", edk2Version: "edk2-stable202411")
        #expect(fixed == TDXBootProfile(kernelHeader: .unpatched, initrdOption: .suffix, separator: .rtmr1))
        #expect(try TDXBootProfile(qemuVersion: "10.2", edk2Version: "202508").initrdOption == .prefix)
        #expect(
            TDXBootProfile.upstreamKata
                == TDXBootProfile(kernelHeader: .unpatched, initrdOption: .prefix, separator: .rtmr1))
        #expect(throws: KataError.self) {
            try TDXBootProfile(qemuVersion: "ten", edk2Version: "edk2-stable202511")
        }
        #expect(throws: KataError.self) {
            try TDXBootProfile(qemuVersion: "10.2.0", edk2Version: "edk2-stable2025")
        }
    }

    /// A pre-6.9 stub (the Debian 6.1 kernel) measures nothing into RTMR2; the separator goes
    /// to RTMR0 on old edk2, so RTMR1 then has four events.
    @Test func oldStubsAndOldFirmwareMeasureLess() throws {
        try #require(FileManager.default.fileExists(atPath: TestSupport.debianKernel), "run `make kernel`")
        let profile = TDXBootProfile(kernelHeader: .unpatched, initrdOption: .prefix, separator: .rtmr0)
        let boot = try TDXDirectBoot.compute(
            kernel: TestSupport.debianKernel, initrd: nil, commandLine: "console=hvc0",
            memoryBytes: 2048 << 20,
            profile: profile)
        #expect(!boot.stubMeasures && boot.rtmr2 == [UInt8](repeating: 0, count: 48))
        #expect(boot.events.filter { $0.register == "rtmr_1" }.count == 4)
        #expect(boot.events.first { $0.name == "separator" }?.register == "rtmr_0")
        #expect(boot.loadOptions == "console=hvc0")
    }

    @Test func hostileInputsAreRefused() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let kernel = directory.appendingPathComponent("k.efi").path
        FileManager.default.createFile(atPath: kernel, contents: Data(PEImageBuilder.bzImage().build()))
        let profile = TDXBootProfile.upstreamKata
        #expect(throws: KataError.self) {
            try TDXDirectBoot.compute(
                kernel: kernel, initrd: nil, commandLine: "a\u{0}b", memoryBytes: 1 << 30, profile: profile)
        }
        #expect(throws: KataError.self) {
            try TDXDirectBoot.compute(
                kernel: kernel, initrd: nil, commandLine: "", memoryBytes: 1 << 20, profile: profile)
        }
        // An initrd that cannot fit below the initrd limit QEMU would use.
        var patched = profile
        patched.kernelHeader = .patched
        let big = directory.appendingPathComponent("big.img")
        FileManager.default.createFile(atPath: big.path, contents: nil)
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 200 << 20)
        try handle.close()
        #expect(throws: KataError.self) {
            try TDXDirectBoot.compute(
                kernel: kernel, initrd: big.path, commandLine: "", memoryBytes: 128 << 20, profile: patched)
        }
        #expect(throws: KataError.self) {
            try TDXDirectBoot.compute(
                kernel: directory.appendingPathComponent("missing").path, initrd: nil, commandLine: "",
                memoryBytes: 1 << 30, profile: profile)
        }
    }

    private func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}
