import Foundation
import KataCore
import TestFixtures
import Testing

@testable import KataRuntimeCLI

/// The shipped SNP and TDX configurations with the same initdata, planned on the fake SNP / TDX
/// hosts (no such hardware here; `ProofHost` stands in for it): `host-data` / `mrconfigid` on
/// the planned QEMU command line must be sha256 / sha384 of the TOML bytes, cut or zero-padded
/// to 32 / 48 bytes — the expected values computed by `openssl dgst` on the document, not by
/// the runtime's code — and the initdata disk must be attached read-only.
@Suite struct InitdataMeasureTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let annotation = "io.katacontainers.config.hypervisor.cc_init_data"

    @Test(arguments: [
        (ProofHost.Technology.snp, "sha256"), (.snp, "sha384"), (.snp, "sha512"), (.tdx, "sha384"),
        (.tdx, "sha256"), (.tdx, "sha512"),
    ])
    func launchFieldIsTheDigestFitted(_ technology: ProofHost.Technology, _ algorithm: String) throws {
        let host = try ProofHost(technology)
        let config = try shippedConfiguration(technology, host: host)
        let document = sampleInitdataDocument(algorithm: algorithm)
        let value = try InitdataTool.annotation(document)
        let report = try measure(
            host, config: config, ["--annotation", "\(Self.annotation)=\(value)", "--json"])
        let digest = try InitdataTool.openssl(algorithm, Array(document.utf8))
        let size = technology == .snp ? 32 : 48
        let fitted = String((digest + String(repeating: "0", count: size * 2)).prefix(size * 2))
        let argv = try #require(report["hypervisor_command_line"] as? [String])

        let rendered: String?
        switch technology {
        case .snp:
            let object = try #require(argv.first { $0.hasPrefix("sev-snp-guest,") }, "\(argv)")
            rendered = object.split(separator: ",").first { $0.hasPrefix("host-data=") }.map {
                String($0.dropFirst("host-data=".count))
            }
        default:
            let object = try #require(argv.first { $0.contains("\"tdx-guest\"") }, "\(argv)")
            let json = try JSONSerialization.jsonObject(with: Data(object.utf8)) as? [String: Any]
            rendered = json?["mrconfigid"] as? String
        }
        let bytes = try #require(rendered.flatMap(Base64.decode), "no binding in \(argv)")
        #expect(bytes.count == size)
        #expect(bytes.map { String(format: "%02x", $0) }.joined() == fitted)

        let initdata = try #require(report["init_data"] as? [String: Any], "\(report.keys)")
        #expect(initdata["algorithm"] as? String == algorithm)
        #expect(initdata["digest"] as? String == digest)
        #expect(initdata["field"] as? String == (technology == .snp ? "host_data" : "mr_config_id"))
        #expect(initdata["value"] as? String == fitted)

        let disk = host.directory + "/sbs/measure/initdata.img"
        let blockdev = try #require(
            argv.firstIndex(of: "-blockdev").map { argv[$0 + 1] }, "no -blockdev in \(argv)")
        #expect(
            blockdev
                == "driver=raw,node-name=drive-initdata,file.driver=file,file.filename=\(disk),read-only=on")
        #expect(argv.contains("virtio-blk-pci,id=initdata,drive=drive-initdata"), "\(argv)")
        // Planning writes nothing: the sandbox writes the disk when it starts.
        #expect(!FileManager.default.fileExists(atPath: disk))
    }

    /// Text output keeps the measurement alone on the first line; the reference values carry
    /// `init_data` beside the measurement.
    @Test func textAndReferenceValuesCarryTheDigest() throws {
        let host = try ProofHost(.snp)
        let config = try shippedConfiguration(.snp, host: host)
        let document = sampleInitdataDocument()
        let value = try InitdataTool.annotation(document)
        let digest = try InitdataTool.openssl("sha256", Array(document.utf8))
        let text = try run(host, config: config, ["--annotation", "\(Self.annotation)=\(value)"])
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].count == 96, "\(text)")
        #expect(lines.last.map(String.init) == "init_data sha256 \(digest) as host_data \(digest)")

        let message = try run(
            host, config: config, ["--annotation", "\(Self.annotation)=\(value)", "--reference-values"])
        let outer = try #require(try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any])
        let payload = try #require((outer["payload"] as? String).flatMap(Base64.decode))
        let values = try #require(
            try JSONSerialization.jsonObject(with: Data(payload)) as? [String: [String]])
        #expect(values["init_data"] == [digest])
        #expect(values["snp_launch_measurement"] == [String(lines[0])])
    }

    /// A configured `tdx_mrconfigid` and initdata both claim MRCONFIGID: refused, naming both.
    @Test func configuredMRConfigIDConflictsWithInitdata() throws {
        let host = try ProofHost(.tdx)
        let config = try shippedConfiguration(
            .tdx, host: host,
            edits: [
                (#"(?m)^tdx_mrconfigid = .*$"#, "tdx_mrconfigid = \"\(String(repeating: "01", count: 48))\"")
            ])
        let value = try InitdataTool.annotation(sampleInitdataDocument(algorithm: "sha384"))
        let error = try #require(throws: KataError.self) {
            try run(host, config: config, ["--annotation", "\(Self.annotation)=\(value)"])
        }
        #expect(
            error.message.contains(Self.annotation) && error.message.contains("tdx_mrconfigid"), "\(error)")
    }

    /// A bad annotation fails the plan naming the annotation (the decoding is the shim's too).
    @Test func badInitdataFailsThePlan() throws {
        let host = try ProofHost(.snp)
        let config = try shippedConfiguration(.snp, host: host)
        let error = try #require(throws: KataError.self) {
            try run(host, config: config, ["--annotation", "\(Self.annotation)=bm90IGd6aXA="])
        }
        #expect(error.message == "annotation \(Self.annotation): not gzip (no 1f 8b magic)", "\(error)")
    }

    /// Without an `enable_annotations` entry the annotation is refused like any other.
    @Test func annotationMustBeEnabled() throws {
        let host = try ProofHost(.snp)
        let config = try shippedConfiguration(
            .snp, host: host, edits: [(#"(?m)^enable_annotations = .*$"#, "enable_annotations = []")])
        let value = try InitdataTool.annotation(sampleInitdataDocument())
        let error = try #require(throws: KataError.self) {
            try run(host, config: config, ["--annotation", "\(Self.annotation)=\(value)"])
        }
        #expect(error.message.contains("not enabled by hypervisor.qemu.enable_annotations"), "\(error)")
    }

    // MARK: Helpers

    /// The shipped file with the proof host's firmware, kernel and initrd.
    func shippedConfiguration(
        _ technology: ProofHost.Technology, host: ProofHost, edits: [(String, String)] = []
    ) throws -> String {
        var text = try String(
            contentsOfFile: Self.repo + "/configuration/configuration-qemu-\(technology.rawValue).toml",
            encoding: .utf8)
        for (pattern, replacement) in [
            (#"(?m)^kernel = .*$"#, "kernel = \"\(host.kernel)\""),
            (#"(?m)^initrd = .*$"#, "initrd = \"\(host.initrd)\""),
            (#"(?m)^firmware = .*$"#, "firmware = \"\(host.firmware)\""),
        ] + edits {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        let path = host.directory + "/shipped-\(technology.rawValue).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ host: ProofHost, config: String, _ extra: [String]) throws -> String {
        var args = ["--config", config, "--host-root", host.root, "--state-root", host.directory + "/sbs"]
        for leaf in host.cpuid { args += ["--host-cpuid", leaf] }
        return try MeasureCommand.parse(args + extra).execute().text
    }

    func measure(_ host: ProofHost, config: String, _ extra: [String]) throws -> [String: Any] {
        let text = try run(host, config: config, extra)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }
}
