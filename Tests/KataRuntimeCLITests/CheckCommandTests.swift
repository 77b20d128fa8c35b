import ArgumentParser
import Foundation
import Host
import Testing

@testable import KataRuntimeCLI

@Suite struct CheckCommandTests {
    /// A temporary host root with a TDX-capable Intel CPU and nothing else.
    func tdxRoot() throws -> String {
        let root = NSTemporaryDirectory() + "kata-cli-\(UUID().uuidString)"
        let files = [
            "/proc/cpuinfo":
                "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nflags\t\t: lm vmx sse4_1\n",
            "/sys/module/kvm_intel/parameters/tdx": "Y\n",
            "/etc/os-release": "NAME=Fake\nVERSION_ID=1\n",
        ]
        for (path, text) in files {
            try FileManager.default.createDirectory(
                atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true
            )
            try text.write(toFile: root + path, atomically: false, encoding: .utf8)
        }
        return root
    }

    @Test func fakeRootTextReport() throws {
        let root = try tdxRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let command = try CheckCommand.parse(["--host-root", root])
        let report = command.makeReport()
        let text = try CheckCommand.render(report, json: false)
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("PASS TDX") && $0.contains("kvm_intel tdx=Y") })
        #expect(lines.contains { $0.hasPrefix("WARN SEV ") })
        #expect(lines.contains { $0.hasPrefix("PASS cpu flag vmx") })
        #expect(lines.contains { $0.hasPrefix("WARN /dev/kvm") })
        #expect(lines.contains { $0.contains("available: none, tdx") })
        #expect(lines.contains { $0.hasPrefix("PASS QEMU") && $0.contains("QEMU emulator version") })
        #expect(lines.last == "System can run Kata Containers VMs (accelerator: tcg)")
        #expect(lines.count == report.checks.count + 1)
    }

    @Test func jsonReportDecodes() throws {
        let root = try tdxRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let report = try CheckCommand.parse(["--host-root", root, "--json"]).makeReport()
        let json = try CheckCommand.render(report, json: true)
        let decoded = try JSONDecoder().decode(HostCheckReport.self, from: Data(json.utf8))
        #expect(decoded == report)
    }

    @Test func missingQEMUExitsNonZero() throws {
        let root = try tdxRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let command = try CheckCommand.parse(["--host-root", root, "--qemu", root + "/no-such-qemu"])
        #expect(throws: ExitCode(1)) { try command.run() }
        let report = command.makeReport()
        #expect(
            report.checks.first { $0.name == "QEMU" }
                == HostCheck("QEMU", .fail, "\(root)/no-such-qemu does not exist"))
    }

    @Test func realHostCheck() throws {
        let command = try CheckCommand.parse([])
        #expect(command.qemu == nil)  // taken from the configuration, else its default
        #expect(command.qemuPath() == "/usr/bin/qemu-system-x86_64")
        let report = command.makeReport()
        #expect(report.canRunVM)
        #expect(report.checks.contains { $0.name == "KVM_CREATE_VM" || $0.name == "/dev/kvm" })
        try command.run()  // prints the report; must not throw on this host
    }

    @Test func rootRegistersTheVerbs() throws {
        #expect(try KataRuntimeCommand.parseAsRoot(["check", "--json"]) is CheckCommand)
        #expect(try KataRuntimeCommand.parseAsRoot(["version"]) is VersionCommand)
        #expect(try KataRuntimeCommand.parseAsRoot(["env", "--json"]) is EnvCommand)
    }
}

@Suite struct VersionCommandTests {
    @Test func printsUpstreamLayoutWithTheCommitBuiltFrom() throws {
        let lines = VersionCommand.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("kata-runtime  : ") && lines[0].count > 16)
        // The build stamps HEAD (with "-dirty" when the tree had changes): a commit of this
        // repository that HEAD contains (HEAD itself unless a commit was made after the build).
        // Only where git cannot read this checkout may the stamp say "unknown".
        let stamped = String(lines[1].dropFirst("   commit   : ".count))
        guard try Self.git(["rev-parse", "HEAD"]) == 0 else {
            #expect(stamped == "unknown", "git cannot read the checkout, yet the stamp is \(stamped)")
            return
        }
        let commit = stamped.hasSuffix("-dirty") ? String(stamped.dropLast(6)) : stamped
        #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit), "\(lines[1])")
        #expect(
            try Self.git(["merge-base", "--is-ancestor", commit, "HEAD"]) == 0,
            "\(commit) is not a commit HEAD contains")
        #expect(lines[2] == "   OCI specs: 1.1.0")
    }

    /// git's exit status in this source directory (output discarded).
    static func git(_ arguments: [String]) throws -> Int32 {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["-C", URL(fileURLWithPath: #filePath).deletingLastPathComponent().path] + arguments
        git.standardOutput = FileHandle.nullDevice
        git.standardError = FileHandle.nullDevice
        try git.run()
        git.waitUntilExit()
        return git.terminationStatus
    }
}
