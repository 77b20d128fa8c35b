import Testing

@testable import Host

@Suite struct HostCheckReportTests {
    static let tcgOnlyQEMU = QEMUBinary(
        path: "/q", executable: true, version: "QEMU emulator version 7.2", accelerators: ["tcg", "kvm"])

    func status(_ report: HostCheckReport, _ name: String) -> HostCheck.Status? {
        report.checks.first { $0.name == name }?.status
    }

    /// An AMD SNP host with hardware KVM, all modules and devices, built in a temporary root.
    func snpHost() throws -> FakeHost {
        let host = try FakeHost()
        try host.write("/proc/cpuinfo", FakeHost.amdCPUInfo)
        try host.write("/etc/os-release", "NAME=\"Fake Linux\"\nVERSION_ID=\"9\"\n")
        try host.write("/proc/sys/kernel/osrelease", "6.9.0-snp\n")
        try host.write("/proc/meminfo", "MemTotal: 2097152 kB\nMemAvailable: 1048576 kB\n")
        for module in ["kvm", "vhost", "vhost_net", "vhost_vsock"] { try host.loadModule(module) }
        try host.loadModule(
            "kvm_amd", parameters: ["sev": "Y", "sev_es": "Y", "sev_snp": "Y", "nested": "0"])
        for device in ["/dev/sev", "/dev/vhost-net", "/dev/vhost-vsock"] {
            try host.makeCharacterDevice(device)
        }
        host.reportMemoryEncryption(sev: true, sevES: true, snp: true)
        return host
    }

    @Test func snpHostPassesConfidentialChecks() throws {
        let host = try snpHost()
        let facts = HostFacts.gather(host.probe)
        let report = HostCheckReport(facts: facts, qemu: Self.tcgOnlyQEMU)
        for name in [
            "cpu vendor", "cpu flag svm", "kernel module kvm_amd", "kernel module vhost_vsock", "vhost-net",
            "vhost-vsock", "SEV", "SEV-ES", "SEV-SNP", "CPUID 0x8000001F", "QEMU",
        ] {
            #expect(status(report, name) == .pass, "\(name)")
        }
        #expect(status(report, "TDX") == .warn)
        #expect(report.checks.contains { $0.reason == "available: none, sev, sev-es, snp" })
        #expect(report.checks.contains { $0.reason.contains("Fake Linux 9, kernel 6.9.0-snp") })
        #expect(facts.supportsVSocks)
        // The fake /dev/kvm is missing, so TCG is the only accelerator.
        #expect(status(report, "/dev/kvm") == .warn)
        #expect(report.canRunVM)
        #expect(report.recommendedAccelerator == "tcg")
    }

    @Test func missingQEMUMeansNoVM() throws {
        let host = try snpHost()
        let qemu = QEMUBinary(path: "/q", executable: false, problem: "/q does not exist")
        let report = HostCheckReport(facts: HostFacts.gather(host.probe), qemu: qemu)
        #expect(!report.canRunVM)
        #expect(report.recommendedAccelerator == nil)
        #expect(status(report, "QEMU") == .fail)
        #expect(report.summary.contains("/q does not exist"))
    }

    @Test func qemuWithoutTCGNeedsKVM() throws {
        let host = try snpHost()
        var facts = HostFacts.gather(host.probe)
        let kvmOnly = QEMUBinary(path: "/q", executable: true, version: "QEMU", accelerators: ["kvm"])
        #expect(!HostCheckReport(facts: facts, qemu: kvmOnly).canRunVM)
        facts.kvm.createVM = .created(apiVersion: 12)
        let report = HostCheckReport(facts: facts, qemu: kvmOnly)
        #expect(report.canRunVM)
        #expect(report.recommendedAccelerator == "kvm")
    }

    @Test func unreadableCpuinfoAndMissingModulesWarn() throws {
        let host = try FakeHost()
        let report = HostCheckReport(facts: HostFacts.gather(host.probe), qemu: Self.tcgOnlyQEMU)
        #expect(status(report, "cpu") == .warn)
        #expect(status(report, "kernel module kvm") == .warn)
        #expect(report.checks.allSatisfy { $0.status != .fail })
        #expect(report.canRunVM)
    }

    @Test func realHostReport() {
        let report = HostCheckReport(
            facts: HostFacts.gather(), qemu: QEMUBinary.probe(path: "/usr/bin/qemu-system-x86_64"))
        #expect(report.canRunVM)
        #expect(status(report, "QEMU") == .pass)
        #expect(status(report, "seccomp") == .pass)
        #expect(report.recommendedAccelerator != nil)
    }
}
