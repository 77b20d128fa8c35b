import KataCore
import Testing
import VirtualMachine

@testable import QEMU

/// No SEV/SNP/TDX hardware here: these check the exact objects and what `apply` adds (whole
/// confidential launches rendered from a description are in DescriptionRenderingTests; a real
/// SEV launch attempt is in LifecycleTests).
@Suite struct ConfidentialGuestTests {
    static let bits = EncryptionBits(cBitPosition: 51, reducedPhysBits: 1)

    func base() -> QEMUCommandLine {
        QEMUCommandLine(
            machine: Machine(accelerator: .kvm), cpu: CPU(model: "host"),
            memory: Memory(size: .mebibytes(2048)))
    }

    @Test func base64MatchesRFC4648() {
        #expect(Base64.encode([]) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
    }

    /// `apply` adds the split irqchip, the object and the firmware, and leaves the CPU model
    /// and the accelerator as the caller set them.
    @Test func sevLaunchPath() throws {
        var commandLine = base()
        commandLine.apply(.sev(SEVGuest(bits: Self.bits, policy: 0x3), firmware: "/usr/share/ovmf/OVMF.fd"))
        let expected = [
            "-machine q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=sev -cpu host",
            "-smp 1 -m 2048M -object sev-guest,id=sev,cbitpos=51,reduced-phys-bits=1,policy=0x3,kernel-hashes=on",
            "-drive if=pflash,format=raw,readonly=on,file=/usr/share/ovmf/OVMF.fd",
            "-no-user-config -nodefaults -nographic --no-reboot",
        ]
        #expect(commandLine.arguments.joined(separator: " ") == expected.joined(separator: " "))
        let es = SEVGuest(
            bits: Self.bits, policy: 0x7, kernelHashes: false, dhCertFile: "/g/dh.b64",
            sessionFile: "/g/s.b64")
        #expect(
            es.qemuArguments == [
                "-object",
                "sev-guest,id=sev,cbitpos=51,reduced-phys-bits=1,policy=0x7,kernel-hashes=off,dh-cert-file=/g/dh.b64,session-file=/g/s.b64",
            ])
    }

    @Test func snpLaunchPath() throws {
        var commandLine = base()
        commandLine.apply(.snp(try SNPGuest(bits: Self.bits), firmware: "/fw/OVMF.fd"))
        let expected = [
            "-machine q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=snp -cpu host",
            "-smp 1 -m 2048M -object sev-snp-guest,id=snp,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on,policy=0x30000",
            "-bios /fw/OVMF.fd -no-user-config -nodefaults -nographic --no-reboot",
        ]
        #expect(commandLine.arguments.joined(separator: " ") == expected.joined(separator: " "))
        let full = try SNPGuest(
            bits: Self.bits, hostData: Array(0..<32), idBlock: "SUQtQkxPQ0s=", idAuth: "SUQtQVVUSA==")
        #expect(
            full.qemuArguments == [
                "-object",
                [
                    "sev-snp-guest,id=snp,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on,policy=0x30000",
                    "host-data=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,id-block=SUQtQkxPQ0s=,id-auth=SUQtQVVUSA==",
                ].joined(separator: ","),
            ])
        #expect(throws: KataError.self) { try SNPGuest(bits: Self.bits, hostData: [1, 2, 3]) }
    }

    @Test func tdxLaunchPath() throws {
        var commandLine = base()
        commandLine.apply(.tdx(try TDXGuest(), firmware: "/fw/OVMF.inteltdx.fd"))
        #expect(
            commandLine.arguments == [
                "-machine", "q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=tdx",
                "-cpu", "host", "-smp", "1", "-m", "2048M",
                "-object", #"{"qom-type":"tdx-guest","id":"tdx"}"#, "-bios", "/fw/OVMF.inteltdx.fd",
                "-no-user-config", "-nodefaults", "-nographic", "--no-reboot",
            ])
        let full = try TDXGuest(
            mrConfigID: [UInt8](repeating: 0xab, count: 48), quoteGenerationSocket: .vsock(cid: 2, port: 4050)
        )
        let expected = [
            #"{"qom-type":"tdx-guest","id":"tdx","#,
            #""mrconfigid":"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur","#,
            #""quote-generation-socket":{"type":"vsock","cid":"2","port":"4050"}}"#,
        ]
        #expect(full.qemuArguments == ["-object", expected.joined()])
        let unix = try TDXGuest(quoteGenerationSocket: .unix(path: "/run/qgs \"x\".sock"))
        #expect(
            unix.qemuArguments[1]
                == #"{"qom-type":"tdx-guest","id":"tdx","quote-generation-socket":{"type":"unix","path":"/run/qgs \"x\".sock"}}"#
        )
        #expect(throws: KataError.self) { try TDXGuest(mrConfigID: [0]) }
    }

    /// MROWNER and MROWNERCONFIG are 48 bytes each, base64 in the JSON object, after MRCONFIGID.
    @Test func tdxOwnerIdentities() throws {
        let owner = try TDXGuest(
            mrOwner: [UInt8](repeating: 0, count: 48), mrOwnerConfig: [UInt8](repeating: 0xff, count: 48))
        let zeros = String(repeating: "A", count: 64)
        let ones = String(repeating: "/", count: 64)
        #expect(
            owner.qemuArguments[1]
                == #"{"qom-type":"tdx-guest","id":"tdx","mrowner":""# + zeros + #"","mrownerconfig":""# + ones
                + #""}"#)
        let error = #expect(throws: KataError.self) { try TDXGuest(mrOwnerConfig: [1, 2]) }
        #expect(error?.message.contains("mrownerconfig must be 48 bytes") == true)
    }
}
