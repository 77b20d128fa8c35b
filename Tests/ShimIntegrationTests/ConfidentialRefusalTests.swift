import Foundation
import Testing

/// This host has no SEV, SNP or TDX: a pod whose configuration asks for any of them must fail
/// before a VM starts, saying what the host lacks, and leave nothing behind. Never a plain VM in
/// its place, never SNP downgraded to SEV.
@Suite(.serialized, .privateContainerd)
struct ConfidentialRefusalTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    /// Each shipped confidential file, and two shaped like upstream's (no `guest_protection`):
    /// what the refusal must name.
    static let cases: [(name: String, file: String, edits: [(String, String)], reason: [String])] = [
        ("sev", "configuration-qemu-sev.toml", [], ["sev", "/dev/sev"]),
        ("snp", "configuration-qemu-snp.toml", [], ["snp", "sev_snp"]),
        ("tdx", "configuration-qemu-tdx.toml", [], ["tdx", "kvm_intel"]),
        (
            "upstream-snp", "configuration-qemu-snp.toml",
            [(#"(?m)^guest_protection = .*$"#, ""), (#"(?m)^snp_guest_policy = .*$"#, "")],
            ["snp", "sev_snp"]
        ),
        (
            "upstream-confidential", "configuration-qemu-snp.toml",
            [(#"(?m)^guest_protection = .*$"#, ""), (#"(?m)^sev_snp_guest = .*$"#, "")], ["confidential"]
        ),
    ]

    @Test(arguments: 0..<cases.count)
    func confidentialConfigurationFailsFastWithTheReason(_ index: Int) async throws {
        let item = Self.cases[index]
        let path = try writeConfiguration(item.file, edits: item.edits, name: item.name)
        let id = "cc-\(item.name)-\(UUID().uuidString.prefix(6).lowercased())"
        let started = Date()
        let result = try await ctrd.run(id, ["/bin/true"], flags: ["--runtime-config-path", path])
        let seconds = Date().timeIntervalSince(started)
        print("\(item.name): refused in \(String(format: "%.2f", seconds)) s: \(result.stderr.suffix(400))")
        #expect(result.status != 0, "\(item.name) ran although this host has no TEE")
        let stderr = result.stderr.lowercased()
        for word in item.reason {
            #expect(
                stderr.contains(word.lowercased()), "\(item.name): '\(word)' missing from: \(result.stderr)")
        }
        #expect(seconds < 20, "\(item.name): took \(seconds) s to refuse")
        _ = try await ctrd.ctr(["container", "rm", id], timeout: 30)
        try await HostileInputTests.expectNothingLeft(of: id, within: 10)
    }

    /// The shipped file with the test's kernel (the bzImage firmware can boot) and initrd.
    private func writeConfiguration(_ file: String, edits: [(String, String)], name: String) throws -> String
    {
        let repo = PrivateContainerd.repo
        var text = try String(contentsOfFile: repo + "/configuration/" + file, encoding: .utf8)
        let replacements =
            [
                (#"(?m)^kernel = .*$"#, "kernel = \"\(repo)/build/kernel/vmlinuz\""),
                (#"(?m)^initrd = .*$"#, "initrd = \"\(repo)/build/guest/kata-initrd.img\""),
            ] + edits
        for (pattern, replacement) in replacements {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        let path = ctrd.work + "/refusal-\(name).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
