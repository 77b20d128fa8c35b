import Firmware
import Foundation
import KataRuntimeCLI
import TestFixtures
import Testing

/// `kata-runtime measure` against sev-snp-measure 0.0.13 (installed by `make measure-venv` into
/// build/venv) on random images, files and options: same output, same refusals.
@Suite struct SEVCrossCheckTests {
    static let modes = ["sev", "seves", "snp", "snp:ovmf-hash", "snp:svsm"]
    static let casesPerMode = 60

    struct Case: Codable {
        let args: [String]
        let cwd: String
    }

    struct Reference: Codable {
        let status: Int
        let stdout: String
        let stderr: String
        let vmsa: [String]
    }

    @Test func matchesSevSnpMeasure() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: TestSupport.venvPython.path),
            "sev-snp-measure venv missing: run `make measure-venv`")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A failure message names its seed; MEASURE_SEED=<seed> replays that run.
        let seed =
            ProcessInfo.processInfo.environment["MEASURE_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        var generator = CrossCheckCases(random: SeededGenerator(state: seed), directory: directory)
        var cases: [(mode: String, args: [String])] = []
        for mode in Self.modes {
            for _ in 0..<Self.casesPerMode { cases.append((mode, generator.arguments(mode: mode))) }
            // The distro firmware: no SNP kernel-hashes section, hashes-table GPA 0.
            for _ in 0..<6 {
                cases.append((mode, generator.arguments(mode: mode, firmware: TestSupport.distroOVMF)))
            }
            // Images every mode must refuse: too short for the footer, and a wrong metadata version.
            cases.append(
                (
                    mode,
                    generator.arguments(
                        mode: mode,
                        firmware: generator.write([UInt8](repeating: 7, count: 40), name: "short.fd"))
                ))
            cases.append((mode, generator.arguments(mode: mode, firmware: generator.firmware(sevVersion: 2))))
        }
        let references = try runReference(
            cases.map { Case(args: $0.args, cwd: directory.path) }, in: directory)
        try #require(references.count == cases.count)

        var agreed: [String: (measured: Int, refused: Int)] = [:]
        for (index, (mode, args)) in cases.enumerated() {
            let reference = references[index]
            let context = "seed \(seed) case \(index): \(args.joined(separator: " "))"
            switch (reference.status, Result { try MeasureCommand.parse(args).execute() }) {
            case (0, .success(let ours)):
                #expect(ours.text + "\n" == reference.stdout, "\(context)")
                #expect(ours.vmsaPages.map { hexString(sha256($0)) } == reference.vmsa, "\(context)")
                agreed[mode, default: (0, 0)].measured += 1
            case (0, .failure(let error)):
                Issue.record("we refuse, sev-snp-measure prints \(reference.stdout): \(error) — \(context)")
            case (_, .success(let ours)):
                Issue.record(
                    "sev-snp-measure refuses (\(reference.stderr.suffix(300))), we print \(ours.text) — \(context)"
                )
            case (_, .failure):
                agreed[mode, default: (0, 0)].refused += 1
            }
        }
        // Both outcomes occur in every mode, so neither side of the comparison is vacuous.
        for mode in Self.modes {
            let counts = agreed[mode, default: (0, 0)]
            #expect(counts.measured >= 25 && counts.refused >= 1, "\(mode): \(counts)")
        }
        print(
            "sev-snp-measure cross-check (seed \(seed)): \(agreed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.measured) equal, \($0.value.refused) refused by both" })"
        )
    }

    private func runReference(_ cases: [Case], in directory: URL) throws -> [Reference] {
        let input = directory.appendingPathComponent("cases.json")
        let output = directory.appendingPathComponent("results.json")
        try JSONEncoder().encode(cases).write(to: input)
        let script = TestSupport.fixtures.appendingPathComponent("sev_snp_measure_driver.py").path
        let run = try TestSupport.run(
            TestSupport.venvPython, [script, input.path, output.path], in: directory)
        try #require(run.status == 0, "driver failed: \(run.error)")
        return try JSONDecoder().decode([Reference].self, from: Data(contentsOf: output))
    }
}

func sha256(_ bytes: [UInt8]) -> [UInt8] {
    DigestAlgorithm.sha256.hash(bytes)
}
