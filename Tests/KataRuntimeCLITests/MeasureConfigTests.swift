import Foundation
import KataCore
import Runtime
import Testing

@testable import KataRuntimeCLI

/// `measure --sandbox`, `--reference-values` and the refusals of the configuration-driven verb.
@Suite struct MeasureConfigTests {
    static let snp = ExpectedMeasurement(
        mode: .snp, algorithm: "sha384", measurement: String(repeating: "ab", count: 48),
        inputs: [
            MeasuredInput(
                name: "firmware", path: "/x/OVMF.fd", size: 4096, algorithm: "sha256", digest: "00ff"),
            MeasuredInput(name: "vcpus", value: "2"),
        ])

    func stateRoot(with measurement: ExpectedMeasurement?, id: String = "sb1") throws -> String {
        let root = NSTemporaryDirectory() + "kata-measure-state-\(UUID().uuidString)"
        try SandboxState(paths: SandboxPaths(sandboxID: id, stateRoot: root), measurement: measurement).save()
        return root
    }

    @Test func sandboxPrintsTheRecordedMeasurement() throws {
        let root = try stateRoot(with: Self.snp)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plain = try MeasureCommand.parse(["--sandbox", "sb1", "--state-root", root]).execute()
        #expect(plain.text == Self.snp.measurement)
        let json = try MeasureCommand.parse(["--sandbox", "sb1", "--state-root", root, "--json"]).execute()
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
        #expect(object["mode"] as? String == "snp")
        #expect(object["measurement"] as? String == Self.snp.measurement)
        #expect(object["sandbox"] as? String == "sb1")
        let inputs = try #require(object["inputs"] as? [[String: Any]])
        #expect(inputs.first?["sha256"] as? String == "00ff" && inputs.first?["size"] as? Int == 4096)
        #expect(inputs.last?["value"] as? String == "2")
    }

    @Test func referenceValuesAreAnRVPSSampleMessage() throws {
        let root = try stateRoot(with: Self.snp)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let output = try MeasureCommand.parse([
            "--sandbox", "sb1", "--state-root", root, "--reference-values",
        ])
        .execute()
        let message = try #require(
            try JSONSerialization.jsonObject(with: Data(output.text.utf8)) as? [String: String])
        #expect(message["version"] == "0.1.0" && message["type"] == "sample")
        let encoded = try #require(message["payload"])
        let payload = try #require(Data(base64Encoded: encoded))
        #expect(
            String(decoding: payload, as: UTF8.self)
                == #"{"snp_launch_measurement":["\#(Self.snp.measurement)"]}"#)
        #expect(!output.text.contains("\n"))
        var tdx = Self.snp
        tdx.mode = .tdx
        #expect(try ReferenceValues.sampleMessage(tdx).contains("payload"))
        #expect(try ReferenceValues.claim(for: .tdx) == "mr_td")
        var sev = Self.snp
        sev.mode = .sevES
        #expect(throws: KataError.self) { try ReferenceValues.sampleMessage(sev) }
    }

    @Test func sandboxRefusals() throws {
        let root = try stateRoot(with: nil)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: KataError.self) {
            try MeasureCommand.parse(["--sandbox", "sb1", "--state-root", root]).execute()
        }
        #expect(throws: KataError.self) {
            try MeasureCommand.parse(["--sandbox", "../etc", "--state-root", root]).execute()
        }
        #expect(throws: KataError.self) {
            try MeasureCommand.parse(["--sandbox", "nosuch", "--state-root", root]).execute()
        }
        #expect(throws: KataError.self) {
            try MeasureCommand.parse(["--sandbox", "sb1", "--mode", "snp", "--state-root", root]).execute()
        }
    }

    @Test func optionsThatNeedAConfiguration() throws {
        #expect(throws: KataError.self) {
            try MeasureCommand.parse(["--mode", "sev", "--ovmf", "/dev/null", "--annotation", "a=b"])
                .execute()
        }
        #expect(throws: KataError.self) {
            try MeasureCommand.parse(["--mode", "sev", "--ovmf", "/dev/null", "--reference-values"]).execute()
        }
        #expect(
            try KataRuntimeCommand.parseAsRoot(["measure", "--config", "/x", "--json"]) is MeasureCommand)
    }

    @Test func plainConfigurationHasNothingToMeasure() throws {
        let directory = NSTemporaryDirectory() + "kata-measure-plain-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/configuration.toml"
        try """
        [hypervisor.qemu]
        path = "/usr/bin/qemu-system-x86_64"
        kernel = "\(directory)/vmlinux"
        initrd = "\(directory)/initrd.img"
        accelerator = "tcg"
        shared_fs = "virtio-9p"

        """.write(toFile: config, atomically: false, encoding: .utf8)
        do {
            _ = try MeasureCommand.parse(["--config", config, "--annotation", "bad"]).execute()
            Issue.record("--annotation without = was accepted")
        } catch let error as KataError {
            #expect(error.description.contains("--annotation bad"))
        }
        do {
            _ = try MeasureCommand.parse(["--config", config]).execute()
            Issue.record("an ordinary VM was measured")
        } catch let error as KataError {
            #expect(error.description.contains(config) && error.description.contains("none"))
        }
    }
}

@Suite struct MeasureJSONTests {
    @Test func arraysRenderPrettyAndCompact() {
        let value = JSONValue.object([("a", .array([.string("x\"y"), .number(2)])), ("b", .array([]))])
        #expect(value.compact() == #"{"a":["x\"y",2],"b":[]}"#)
        #expect(value.rendered() == "{\n  \"a\": [\n    \"x\\\"y\",\n    2\n  ],\n  \"b\": []\n}")
    }

    @Test func hostCPUIDOptionIsChecked() throws {
        let directory = NSTemporaryDirectory() + "kata-measure-cpuid-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/configuration.toml"
        try "[hypervisor.qemu]\nkernel = \"/k\"\ninitrd = \"/i\"\naccelerator = \"tcg\"\n".write(
            toFile: config, atomically: false, encoding: .utf8)
        for bad in ["0x1", "0x1=1,2,3", "zz=1,2,3,4"] {
            do {
                _ = try MeasureCommand.parse(["--config", config, "--host-cpuid", bad]).execute()
                Issue.record("--host-cpuid \(bad) accepted")
            } catch let error as KataError {
                #expect(error.description.contains("--host-cpuid \(bad)"))
            }
        }
    }
}
