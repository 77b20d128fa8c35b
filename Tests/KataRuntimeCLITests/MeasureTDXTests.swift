import Foundation
import KataCore
import Runtime
import TDX
import TestFixtures
import Testing

@testable import KataRuntimeCLI

/// `measure --mode tdx --kernel ...` (MRTD, RTMR1, RTMR2), its JSON report, the planner's TDX
/// record through `--config`, and the RVPS message with rtmr_1/rtmr_2/tdvfkernel.
@Suite struct MeasureTDXTests {
    func run(_ arguments: [String]) throws -> String { try MeasureCommand.parse(arguments).execute().text }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test func directBootPrintsTheThreeRegisters() throws {
        let host = try ProofHost(.tdx)
        let base = ["--mode", "tdx", "--ovmf", host.firmware, "--kernel", host.kernel]
        let plain = try run(base + ["--initrd", host.initrd, "--append", "console=hvc0"]).split(
            separator: "\n")
        #expect(plain.map { $0.split(separator: " ").first ?? "" } == ["MRTD:", "RTMR1:", "RTMR2:"])
        let report = try object(
            try run(base + ["--initrd", host.initrd, "--append", "console=hvc0", "--json"]))
        let mrtd = try #require(report["mr_td"] as? String)
        #expect(plain[0] == "MRTD: \(mrtd)" && plain[1] == "RTMR1: \(report["rtmr_1"] as? String ?? "")")
        #expect((report["measurement"] as? [String: Any])?["hex"] as? String == mrtd)
        let events = try #require(report["events"] as? [[String: String]])
        #expect(
            events.map { $0["register"] ?? "" } == [
                "rtmr_1", "rtmr_1", "rtmr_1", "rtmr_1", "rtmr_1", "rtmr_2", "rtmr_2",
            ])
        #expect(events.first?["name"] == "tdvfkernel" && events[5]["name"] == "tdvfkernelparams")
        #expect(
            (report["inputs"] as? [String: Any])?["loadOptions"] as? String == "initrd=initrd console=hvc0")
        // An older stack: QEMU 10.1 patches the header, edk2-stable202408 appends initrd=initrd
        // and logs the separator in RTMR0.
        let old = try object(
            try run(
                base + [
                    "--initrd", host.initrd, "--append", "console=hvc0", "--json", "--tdx-qemu-version",
                    "10.1.0",
                    "--tdx-edk2-version", "edk2-stable202408",
                ]))
        #expect(old["rtmr_1"] as? String != report["rtmr_1"] as? String)
        #expect(old["rtmr_2"] as? String != report["rtmr_2"] as? String)
        #expect((old["profile"] as? [String: String])?["separator"] == "rtmr_0")
        #expect((old["inputs"] as? [String: Any])?["loadOptions"] as? String == "console=hvc0 initrd=initrd")
        // Without --kernel the output stays the MRTD alone.
        #expect(try run(["--mode", "tdx", "--ovmf", host.firmware]) == mrtd)
    }

    @Test func badTDXOptionsAreRefusedByName() throws {
        let host = try ProofHost(.tdx)
        let base = ["--mode", "tdx", "--ovmf", host.firmware]
        for (extra, name) in [
            (["--append", "x"], "--kernel"),
            (["--kernel", host.kernel, "--tdx-kernel-header", "maybe"], "--tdx-kernel-header"),
            (["--kernel", host.kernel, "--tdx-separator", "rtmr_2"], "--tdx-separator"),
            (["--kernel", host.kernel, "--tdx-stub-measures", "1"], "--tdx-stub-measures"),
            (["--kernel", host.kernel, "--memory", "0"], "--memory"),
            (["--kernel", host.kernel, "--tdx-qemu-version", "new"], "QEMU version"),
            (["--kernel", host.firmware], host.firmware),
        ] {
            let error = try #require(throws: KataError.self) { try run(base + extra) }
            #expect(error.message.contains(name), "\(extra): \(error.message)")
        }
    }

    @Test func plannedTDXCarriesTheRegistersIntoTheRVPSMessage() throws {
        let host = try ProofHost(.tdx)
        let config = try host.configuration(.tdx)
        let common =
            ["--config", config, "--host-root", host.root, "--state-root", host.directory + "/sbs"]
            + host.cpuid.flatMap { ["--host-cpuid", $0] }
        let report = try object(try run(common + ["--json"]))
        let rtmr1 = try #require(report["rtmr_1"] as? String)
        let rtmr2 = try #require(report["rtmr_2"] as? String)
        let events = try #require(report["events"] as? [[String: String]])
        let kernel = try #require(events.first { $0["name"] == "tdvfkernel" }?["digest"])
        let parameters = try #require(events.first { $0["name"] == "tdvfkernelparams" }?["digest"])
        let message = try #require(
            try JSONSerialization.jsonObject(with: Data(try run(common + ["--reference-values"]).utf8))
                as? [String: String])
        let payload = try #require(Data(base64Encoded: message["payload"] ?? ""))
        let values = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: [String]])
        #expect(values["mr_td"] == [report["measurement"] as? String ?? ""])
        #expect(values["rtmr_1"] == [rtmr1] && values["rtmr_2"] == [rtmr2])
        #expect(values["tdvfkernel"] == [kernel] && values["tdvfkernelparams"] == [parameters])
    }

    @Test func recordedMeasurementsWithoutRegistersStillLoad() throws {
        // A sandbox state written before RTMRs were recorded decodes with tdx = nil.
        let old = #"{"mode":"tdx","algorithm":"sha384","measurement":"ab","inputs":[]}"#
        let decoded = try JSONDecoder().decode(ExpectedMeasurement.self, from: Data(old.utf8))
        #expect(decoded.tdx == nil)
        #expect(try ReferenceValues.sampleMessage(decoded).contains("payload"))
    }
}
