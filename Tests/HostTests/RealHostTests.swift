import Foundation
import KataCore
import Testing

@testable import Host

/// Facts read from this machine itself, cross-checked against a second source.
@Suite struct RealHostTests {
    @Test func cpuidVendorMatchesProcCpuinfo() throws {
        let leaf0 = try #require(cpuid(leaf: 0))
        let vendor = [leaf0.ebx, leaf0.edx, leaf0.ecx].flatMap { register in
            (0..<4).map { UInt8(truncatingIfNeeded: register >> ($0 * 8)) }
        }
        let facts = HostFacts.gather()
        #expect(String(decoding: vendor, as: UTF8.self) == facts.cpu.vendorID)
        #expect(facts.cpuInfoReadable)
    }

    @Test func capabilitiesMatchProcStatus() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("CapEff:") })
        let mask = try #require(UInt64(line.split(separator: "\t").last ?? "", radix: 16))
        let capabilities = ProcessCapabilities.current()
        #expect(capabilities.error == nil)
        #expect(capabilities.hasSysAdmin == (mask & (1 << 21) != 0))
        #expect(capabilities.effective.count == mask.nonzeroBitCount)
        #expect(capabilities.effective.contains("sys_admin") == capabilities.hasSysAdmin)
    }

    @Test func seccompIsUsable() {
        let seccomp = SeccompSupport.probe(.live)
        #expect(seccomp.apiLevel >= 1)
        #expect(seccomp.available)
        #expect(seccomp.libraryVersion.split(separator: ".").count == 3)
        #expect(seccomp.kernelActions.contains("allow"))
    }

    @Test func operatingSystemMatchesUname() throws {
        let os = OperatingSystem.probe(.live)
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: names.release) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        #expect(os.kernelRelease == release)
        #expect(os.architecture == "x86_64")
        #expect(os.distroName != "unknown")
        #expect(MemoryInfo(parsing: HostFilesystem.live.readText("/proc/meminfo") ?? "").totalKiB > 0)
    }

    @Test func processOutputCapturesAndReportsExitStatus() throws {
        let echo = try ProcessOutput.run("/bin/echo", ["hello", "world"], timeoutMilliseconds: 5000)
        #expect(echo == ProcessOutput(exitStatus: 0, output: "hello world\n"))
        let failing = try ProcessOutput.run(
            "/bin/sh", ["-c", "echo oops >&2; exit 3"], timeoutMilliseconds: 5000)
        #expect(failing == ProcessOutput(exitStatus: 3, output: "oops\n"))
    }

    @Test func processOutputKillsOnTimeout() throws {
        let start = ContinuousClock.now
        let error = #expect(throws: KataError.self) {
            try ProcessOutput.run("/bin/sleep", ["30"], timeoutMilliseconds: 200)
        }
        #expect(error?.code == .timeout)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func processOutputReportsMissingExecutable() {
        let error = #expect(throws: KataError.self) {
            try ProcessOutput.run("/nonexistent/qemu", [], timeoutMilliseconds: 1000)
        }
        #expect(error?.code == .system)
        #expect(error?.message.contains("/nonexistent/qemu") == true)
    }

    @Test func realQEMUBinary() {
        let qemu = QEMUBinary.probe(path: "/usr/bin/qemu-system-x86_64")
        #expect(qemu.usable, "\(qemu.problem ?? "")")
        #expect(qemu.version?.hasPrefix("QEMU emulator version") == true)
        #expect(qemu.accelerators.contains("tcg"))
        // QEMU 7.2 here: sev-guest yes, sev-snp-guest and tdx-guest not (PLATFORM.md).
        #expect(qemu.objectTypes.contains("sev-guest") && qemu.objectTypes.contains("memory-backend-ram"))
    }

    @Test func brokenQEMUBinaries() throws {
        let host = try FakeHost()
        try host.write("/plain", "not a program\n", mode: 0o644)
        try host.write("/fails", "#!/bin/sh\necho 'qemu: broken build'\nexit 2\n", mode: 0o755)
        try host.write("/hangs", "#!/bin/sh\nexec sleep 30\n", mode: 0o755)
        #expect(QEMUBinary.probe(path: host.root + "/missing").problem?.contains("does not exist") == true)
        #expect(QEMUBinary.probe(path: host.root + "/plain").problem?.contains("not an executable") == true)
        #expect(
            QEMUBinary.probe(path: host.root + "/fails").problem?.contains("exited 2: qemu: broken build")
                == true)
        #expect(
            QEMUBinary.probe(path: host.root + "/hangs", timeoutMilliseconds: 200).problem?.contains(
                "did not finish")
                == true)
    }

    /// A stand-in QEMU (a shell script) that answers --version, -accel help and -object help.
    @Test func objectTypesComeFromObjectHelp() throws {
        let host = try FakeHost()
        try host.write(
            "/qemu",
            """
            #!/bin/sh
            case "$1 $2" in
            "--version ") echo "QEMU emulator version 9.1.0" ;;
            "-accel help") printf 'Accelerators supported in QEMU binary:\\ntcg\\nkvm\\n' ;;
            "-object help") printf 'List of user creatable objects:\\n  sev-guest\\n  sev-snp-guest\\n' ;;
            *) exit 1 ;;
            esac

            """, mode: 0o755)
        let qemu = QEMUBinary.probe(path: host.root + "/qemu")
        #expect(qemu.usable, "\(qemu.problem ?? "")")
        #expect(qemu.accelerators == ["tcg", "kvm"])
        #expect(qemu.objectTypes == ["sev-guest", "sev-snp-guest"])
    }
}
