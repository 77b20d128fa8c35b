import Foundation
import KataConfig
import KataCore
import Testing

/// Upstream's confidential option names (`snp_guest_policy`, `snp_id_block`, `snp_id_auth`,
/// `tdx_quote_generation_service_socket_port`) next to this runtime's own.
@Suite struct ConfidentialOptionTests {
    private func load(_ lines: String) throws -> QEMUConfig {
        try withTemporaryDirectory { dir in
            try loadFile(try write(minimalConfig + lines + "\n", to: "c.toml", in: dir)).configuration
                .hypervisor
        }
    }

    private func refusal(_ lines: String) throws -> String {
        try withTemporaryDirectory { dir in
            let path = try write(minimalConfig + lines + "\n", to: "c.toml", in: dir)
            return expectKataError(.invalidConfig) { _ = try loadFile(path) }
        }
    }

    private static let idBlock = Data(repeating: 0xab, count: 96).base64EncodedString()
    private static let idAuth = Data(repeating: 0xcd, count: 4096).base64EncodedString()

    /// Initdata belongs to the pod: `cc_init_data` is no key of the configuration file.
    @Test func initdataIsNoConfigurationKey() throws {
        let configuration = try? load("cc_init_data = \"H4sIAAAA\"")
        #expect(configuration?.initdata ?? "" == "")
    }

    @Test func snpGuestPolicyIsUpstreamsNameAndSNPPolicyStillReads() throws {
        #expect(try load("snp_guest_policy = 0x70000").snpPolicy == 0x70000)
        #expect(try load("snp_policy = 0x70000").snpPolicy == 0x70000)
        #expect(try load("snp_policy = 0x70000\nsnp_guest_policy = 0x70000").snpPolicy == 0x70000)
    }

    @Test func twoSNPPolicySpellingsThatDisagreeAreRefused() throws {
        let message = try refusal("snp_policy = 0x30000\nsnp_guest_policy = 0x70000")
        // Whichever key is stored second names the first.
        #expect(
            message.contains(
                "hypervisor.qemu.snp_guest_policy: 0x70000 contradicts hypervisor.qemu.snp_policy = 0x30000")
                || message.contains(
                    "hypervisor.qemu.snp_policy: 0x30000 contradicts hypervisor.qemu.snp_guest_policy = 0x70000"
                ),
            "\(message)")
        #expect(
            try refusal("snp_guest_policy = 0x10000").contains(
                "snp_guest_policy: bit 17 (reserved) must be set"))
    }

    @Test func idBlockAndAuthAreBase64OfTheirSizes() throws {
        let qemu = try load("snp_id_block = \"\(Self.idBlock)\"\nsnp_id_auth = \"\(Self.idAuth)\"")
        #expect(qemu.snpIDBlock == Self.idBlock && qemu.snpIDAuth == Self.idAuth)
        #expect(try load("").snpIDBlock == nil)
    }

    @Test(arguments: [
        ("snp_id_block = \"not base64!\"", "hypervisor.qemu.snp_id_block: not valid base64"),
        ("snp_id_block = \"QUJD\"", "hypervisor.qemu.snp_id_block: decodes to 3 bytes; expected 96"),
        ("snp_id_auth = \"QUJDRA=\"", "hypervisor.qemu.snp_id_auth: not valid base64"),
        ("snp_id_auth = \"QU=D\"", "hypervisor.qemu.snp_id_auth: not valid base64"),
    ])
    func badIDValuesAreRefused(line: String, expected: String) throws {
        let message = try refusal(line)
        #expect(message.contains(expected), "\(message)")
    }

    @Test func idBlockNeedsIDAuth() throws {
        let message = try refusal("snp_id_block = \"\(Self.idBlock)\"")
        #expect(message.contains("snp_id_block and snp_id_auth go together"), "\(message)")
    }

    @Test func quoteGenerationServiceFollowsUpstream() throws {
        #expect(try load("").tdx.quoteGenerationEndpoint == .vsock(cid: 2, port: 4050))
        #expect(
            try load("tdx_quote_generation_service_socket_port = 4051").tdx.quoteGenerationEndpoint
                == .vsock(cid: 2, port: 4051))
        #expect(
            try load("tdx_quote_generation_service_socket_port = 0").tdx.quoteGenerationEndpoint
                == .unix(path: "/var/run/tdx-qgs/qgs.socket"))
        #expect(
            try load("tdx_quote_generation_socket = \"/run/qgs.sock\"").tdx.quoteGenerationEndpoint
                == .unix(path: "/run/qgs.sock"))
        #expect(try load("").tdx.firmwareEDK2Release == "")
        #expect(
            try load("tdx_firmware_edk2_release = \"edk2-stable202408\"").tdx.firmwareEDK2Release
                == "edk2-stable202408")
    }
}
