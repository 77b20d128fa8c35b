import Foundation
import Host
import KataConfig
import TOMLKit
import Testing

@testable import KataRuntimeCLI

@Suite struct EnvReportTests {
    func report() throws -> EnvValue {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("configuration/configuration-qemu-snp.toml").path
        let loaded = try ConfigurationLoader.loadForRuntime(
            explicitPath: path, environment: ConfigLookupEnvironment(variables: [:], defaultPaths: []))
        let qemu = QEMUBinary.probe(path: "/usr/bin/qemu-system-x86_64")
        return EnvReport.build(
            configuration: loaded, facts: HostFacts.gather(), qemu: qemu, runtimePath: "/usr/bin/kata-runtime"
        )
    }

    @Test func tomlIsValidAndHasUpstreamSections() throws {
        let text = try report().toml()
        let table = try TOMLTable(string: text)
        for section in ["Kernel", "Meta", "Image", "Initrd", "Hypervisor", "Runtime", "Host", "Agent"] {
            #expect(table[section]?.table != nil, "missing [\(section)]")
        }
        #expect(table["Hypervisor"]?["SecurityInfo"]?["ConfidentialGuest"]?.bool == true)
        #expect(table["Hypervisor"]?["SecurityInfo"]?["GuestProtection"]?.string == "snp")
        #expect(table["Hypervisor"]?["Version"]?.string?.hasPrefix("QEMU emulator version") == true)
        #expect(table["Runtime"]?["Version"]?["OCI"]?.string == "1.1.0")
        #expect(table["Host"]?["AvailableGuestProtections"]?.array != nil)
        #expect(table["Host"]?["Distro"]?["Name"]?.string?.isEmpty == false)
    }

    @Test func jsonCarriesTheSameTree() throws {
        let text = try report().json()
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let hypervisor = object?["Hypervisor"] as? [String: Any]
        #expect(hypervisor?["Path"] as? String == "/usr/bin/qemu-system-x86_64")
        #expect((object?["Runtime"] as? [String: Any])?["Path"] as? String == "/usr/bin/kata-runtime")
    }

    @Test func stringsAreEscapedForTOMLAndJSON() throws {
        let tree = EnvValue.table([("A", .table([("S", .string("q\"b\\n\nt\u{1}"))]))])
        #expect(try TOMLTable(string: tree.toml())["A"]?["S"]?.string == "q\"b\\n\nt\u{1}")
        let json =
            try JSONSerialization.jsonObject(with: Data(tree.json().utf8)) as? [String: [String: String]]
        #expect(json?["A"]?["S"] == "q\"b\\n\nt\u{1}")
    }
}
