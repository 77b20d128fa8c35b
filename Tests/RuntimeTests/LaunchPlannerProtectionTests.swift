import Foundation
import Host
import KataConfig
import KataCore
import Testing
import VirtualMachine

@testable import Runtime

/// Every protection setting on every kind of host (fake roots: no SEV, SNP or TDX hardware is on
/// this machine): the protection and accelerator the plan resolves, or the exact refusal.
@Suite struct LaunchPlannerProtectionTests {
    enum Setting: String, CaseIterable, Sendable {
        case autoPlain, autoConfidential, none, sev, sevES, snp, tdx, sevSNPGuest
    }

    enum Outcome: Equatable {
        case launches(GuestProtection, Accelerator)
        /// Refused before anything starts; the message contains every string.
        case refused([String])
    }

    private func configuration(_ setting: Setting, _ host: PlannerHost) throws -> KataConfiguration {
        switch setting {
        case .autoPlain: return try plainConfiguration(host)
        case .none:
            var configuration = try plainConfiguration(host)
            configuration.hypervisor.guestProtection = .none
            return configuration
        case .autoConfidential: return try confidentialConfiguration(host, .auto)
        case .sev: return try confidentialConfiguration(host, .sev)
        case .sevES: return try confidentialConfiguration(host, .sevES)
        case .snp: return try confidentialConfiguration(host, .snp)
        case .tdx: return try confidentialConfiguration(host, .tdx)
        case .sevSNPGuest: return try confidentialConfiguration(host, .auto, sevSNPGuest: true)
        }
    }

    private static let noKVM = "KVM is unusable here: "  // then <fake root>/dev/kvm does not exist
    private static let noTDX = "no /sys/module/kvm_intel/parameters/tdx"
    private static let noKVMAMD = "no /sys/module/kvm_amd/parameters"

    private func expected(_ setting: Setting, _ kind: PlannerHost.Kind) -> Outcome {
        let plainAccelerator: Accelerator = kind == .noKVM ? .tcg : .kvm
        switch (setting, kind) {
        case (.autoPlain, _), (.none, _):
            return .launches(.none, plainAccelerator)

        case (.autoConfidential, .plainIntel):
            return .refused([
                "confidential_guest = true: this host offers no confidential", "TDX: " + Self.noTDX,
            ])
        case (.autoConfidential, .plainAMD):
            return .refused(["offers no confidential guest technology", "SEV: kvm_amd parameter sev is N"])
        case (.autoConfidential, .amdSEVOnly), (.autoConfidential, .amdSNP):
            // Upstream: an SNP host without sev_snp_guest = true runs an SEV guest.
            return .launches(.sev, .kvm)
        case (.autoConfidential, .intelTDX): return .launches(.tdx, .kvm)
        case (.autoConfidential, .noKVM): return .refused(["an SEV guest needs KVM", Self.noKVM])

        case (.sev, .amdSEVOnly), (.sev, .amdSNP): return .launches(.sev, .kvm)
        case (.sev, .noKVM): return .refused(["an SEV guest needs KVM", Self.noKVM])
        case (.sev, .plainAMD):
            return .refused([
                "guest_protection = \"sev\": this host cannot launch an SEV guest: kvm_amd parameter sev is N"
            ])
        case (.sev, _):
            return .refused([
                "guest_protection = \"sev\": this host cannot launch an SEV guest", Self.noKVMAMD,
            ])

        case (.sevES, .amdSNP): return .launches(.sevES, .kvm)
        case (.sevES, .noKVM): return .refused(["an SEV-ES guest needs KVM", Self.noKVM])
        case (.sevES, .amdSEVOnly), (.sevES, .plainAMD):
            return .refused(["cannot launch an SEV-ES guest: kvm_amd parameter sev_es is N"])
        case (.sevES, _): return .refused(["cannot launch an SEV-ES guest", Self.noKVMAMD + "/sev_es"])

        case (.snp, .amdSNP), (.sevSNPGuest, .amdSNP): return .launches(.snp, .kvm)
        case (.snp, .noKVM), (.sevSNPGuest, .noKVM):
            return .refused(["an SEV-SNP guest needs KVM", Self.noKVM])
        case (.snp, .amdSEVOnly), (.snp, .plainAMD):
            return .refused([
                "guest_protection = \"snp\": this host cannot launch an SEV-SNP guest: kvm_amd parameter sev_snp is N",
                "refusing to fall back",
            ])
        case (.sevSNPGuest, .amdSEVOnly), (.sevSNPGuest, .plainAMD):
            // Never SNP → SEV, even where SEV is available.
            return .refused([
                "sev_snp_guest = true: this host cannot launch an SEV-SNP guest: kvm_amd parameter sev_snp is N"
            ])
        case (.snp, _), (.sevSNPGuest, _):
            return .refused(["cannot launch an SEV-SNP guest", Self.noKVMAMD + "/sev_snp"])

        case (.tdx, .intelTDX): return .launches(.tdx, .kvm)
        case (.tdx, _):
            return .refused(["guest_protection = \"tdx\": this host cannot launch a", Self.noTDX])
        }
    }

    @Test(arguments: Setting.allCases, PlannerHost.Kind.allCases)
    func protectionOnHost(setting: Setting, kind: PlannerHost.Kind) throws {
        let host = try PlannerHost.make(kind)
        let configuration = try configuration(setting, host)
        switch expected(setting, kind) {
        case .launches(let protection, let accelerator):
            let vm = try plan(configuration, on: host).vm
            #expect(vm.protection == protection)
            #expect(vm.accelerator == accelerator)
            #expect((vm.firmware != nil) == protection.isConfidential)
        case .refused(let parts):
            let message = refusal(.unsupported) { try plan(configuration, on: host) }
            for part in parts { #expect(message.contains(part), "\(message)") }
            if parts.contains(Self.noKVM) {
                #expect(message.hasSuffix("\(host.root)/dev/kvm does not exist"), "\(message)")
            }
        }
    }

    @Test func sevLaunchCarriesPolicyAndTheHostsEncryptionBits() throws {
        let host = try PlannerHost.make(.amdSNP)
        let vm = try plan(try confidentialConfiguration(host, .sevES), on: host).vm
        #expect(
            vm.confidential
                == .sev(
                    SEVLaunchOptions(policy: 0x5, bits: EncryptionBits(cBitPosition: 51, reducedPhysBits: 1)))
        )
        #expect(vm.cpuModel == "host" && vm.cpuFeatures == ["pmu=off"])
        var configuration = try confidentialConfiguration(host, .auto)
        configuration.hypervisor.sevPolicy = 0x7
        // An ES policy under auto asks for SEV-ES.
        #expect(try plan(configuration, on: host).vm.confidential?.protection == .sevES)
    }

    @Test func snpLaunchCarriesPolicyIDBlockAndModel() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .snp)
        configuration.hypervisor.snpPolicy = 0x70000
        configuration.hypervisor.snpIDBlock = "aWQ="
        configuration.hypervisor.snpIDAuth = "YXV0aA=="
        let vm = try plan(configuration, on: host).vm
        #expect(
            vm.confidential
                == .snp(
                    SNPLaunchOptions(
                        policy: 0x70000, bits: EncryptionBits(cBitPosition: 51, reducedPhysBits: 1),
                        idBlock: "aWQ=",
                        idAuth: "YXV0aA==")))
        #expect(vm.cpuModel == "EPYC-v4" && vm.cpuFeatures == ["pmu=off"])
    }

    @Test func tdxLaunchCarriesIdentitiesAndQuoteService() throws {
        let host = try PlannerHost.make(.intelTDX)
        var configuration = try confidentialConfiguration(host, .tdx)
        configuration.hypervisor.tdx.mrConfigID = [UInt8](repeating: 7, count: 48)
        var vm = try plan(configuration, on: host).vm
        #expect(
            vm.confidential
                == .tdx(
                    TDXLaunchOptions(
                        mrConfigID: [UInt8](repeating: 7, count: 48),
                        quoteGenerationService: .vsock(cid: 2, port: 4050))))
        #expect(vm.cpuModel == "host" && vm.cpuFeatures == ["-vmx-rdseed-exit", "pmu=off"])
        configuration.hypervisor.tdx.quoteGenerationServicePort = 0
        vm = try plan(configuration, on: host).vm
        guard case .tdx(let options) = vm.confidential else { throw KataError(.internal, "not tdx") }
        #expect(options.quoteGenerationService == .unix(path: "/var/run/tdx-qgs/qgs.socket"))
    }

    @Test func aQEMUWithoutTheObjectTypeIsRefused() throws {
        let host = try PlannerHost.make(.amdSNP)
        let configuration = try confidentialConfiguration(host, .snp)
        let old = QEMUBinary(
            path: "/usr/bin/qemu-system-x86_64", executable: true, version: "QEMU emulator version 7.2.22",
            objectTypes: ["memory-backend-ram", "sev-guest"])
        let planner = LaunchPlanner(configuration: configuration, host: host.facts, qemu: old)
        let request = LaunchRequest(sandboxID: "sb1", paths: testPaths)
        let message = refusal(.unsupported) { try planner.plan(request) }
        #expect(
            message
                == "hypervisor.qemu.path: /usr/bin/qemu-system-x86_64 (QEMU emulator version 7.2.22) cannot "
                + "create the sev-snp-guest object an SEV-SNP guest needs (upstream QEMU has it since 9.1)")
        // The same QEMU runs an SEV guest; an unprobed QEMU (no object list) is not checked.
        let sev = try confidentialConfiguration(host, .sev)
        #expect(
            try LaunchPlanner(configuration: sev, host: host.facts, qemu: old).plan(request).vm.protection
                == .sev)
        var unprobed = old
        unprobed.objectTypes = []
        #expect(
            try LaunchPlanner(configuration: configuration, host: host.facts, qemu: unprobed).plan(request).vm
                .protection == .snp)
    }

    @Test func inconsistentProtectionKeysAreRefusedEvenWithoutTheLoader() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .sev)
        configuration.hypervisor.sevSNPGuest = true
        let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(message.contains("contradicts hypervisor.qemu.sev_snp_guest = true"), "\(message)")
    }

    @Test func explicitKVMOnAHostWithoutKVMIsRefused() throws {
        let host = try PlannerHost.make(.noKVM)
        var configuration = try plainConfiguration(host)
        configuration.hypervisor.accelerator = .kvm
        let message = refusal(.unsupported) { try plan(configuration, on: host) }
        #expect(
            message.contains(
                "accelerator = \"kvm\", and KVM is unusable here: \(host.root)/dev/kvm does not exist"))
        configuration.hypervisor.accelerator = .tcg
        #expect(try plan(configuration, on: host).vm.accelerator == .tcg)
    }

    @Test func plainCPUModelFollowsTheAcceleratorAndTakesConfiguredFeatures() throws {
        let host = try PlannerHost.make(.plainIntel)
        var configuration = try plainConfiguration(host)
        configuration.hypervisor.cpuFeatures = "pmu=off, -vmx"
        var vm = try plan(configuration, on: host).vm
        #expect(vm.cpuModel == "host" && vm.cpuFeatures == ["pmu=off", "-vmx"])
        configuration.hypervisor.accelerator = .tcg
        vm = try plan(configuration, on: host).vm
        #expect(vm.cpuModel == "max" && vm.confidential == nil)
    }

    @Test func confidentialCPUFeaturesMayOnlyRepeatTheFixedOnes() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .snp)
        configuration.hypervisor.cpuFeatures = "pmu=off"
        #expect(try plan(configuration, on: host).vm.cpuFeatures == ["pmu=off"])
        configuration.hypervisor.cpuFeatures = "pmu=off,+avx512f"
        let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(
            message.hasPrefix(
                "hypervisor.qemu.cpu_features: '+avx512f' cannot be applied to an SEV-SNP guest"))
    }

    @Test func debugConsoleIsRefusedForAConfidentialGuest() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .snp)
        configuration.agent.debugConsoleEnabled = true
        let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(message.hasPrefix("agent.kata.debug_console_enabled = true:"), "\(message)")
        var plain = try plainConfiguration(host)
        plain.agent.debugConsoleEnabled = true
        #expect(try plan(plain, on: host).vm.protection == .none)
    }
}
