import Firmware
import KataCore
import SEV
import TDX

extension MeasureRequest {
    func perform() throws -> MeasureOutput {
        switch mode {
        case .snpOVMFHash:
            // sev-snp-measure prints this one in hex whatever --output-format says.
            let firmware = try FileReader(path: firmwarePath)
            let digest = try SNPMeasurement.firmwareDigest(firmware: firmware)
            return try report(
                digest, plain: hexString(digest), firmware: firmware, launch: nil, measured: nil)
        case .tdx:
            return try performTDX()
        case .sev, .seves, .snp, .snpSVSM:
            // Every input is opened once: a pipe cannot be read again for the JSON report.
            var launch = try launch()
            launch.firmwareInput = try FileReader(path: firmwarePath)
            if mode == .snpSVSM, let svsm = launch.svsmPath, !svsm.isEmpty {
                launch.svsmInput = try FileReader(path: svsm)
            }
            let measured: LaunchMeasurement
            switch mode {
            case .sev: measured = try SEVMeasurement.sev(launch)
            case .seves: measured = try SEVMeasurement.sevES(launch)
            case .snp: measured = try SNPMeasurement.snp(launch)
            default: measured = try SNPMeasurement.svsm(launch)
            }
            return try report(
                measured.digest, plain: formatted(measured.digest), firmware: launch.firmwareInput!,
                launch: launch,
                measured: measured)
        }
    }

    func formatted(_ digest: [UInt8]) -> String {
        let text = wantsBase64 ? Base64.encode(digest) : hexString(digest)
        return options.verbose ? "Calculated \(mode.verboseName) guest measurement: \(text)" : text
    }

    func report(
        _ digest: [UInt8], plain: String, firmware: FileReader, launch: SEVLaunch?,
        measured: LaunchMeasurement?, extraInputs: [(String, JSONValue)] = [],
        extra: [(String, JSONValue)] = []
    ) throws -> MeasureOutput {
        let pages = measured?.vmsaPages ?? []
        guard options.json else { return MeasureOutput(text: plain, vmsaPages: pages) }
        var inputs: [(String, JSONValue)] = [
            ("firmware", try fileReport(firmware, mode == .tdx ? .sha384 : .sha256))
        ]
        if let launch {
            if let hashes = measured?.kernelHashes {
                inputs.append(("kernel", fileEntry(launch.kernelPath!, sha256: hashes.kernel)))
                if let initrd = launch.initrdPath, !initrd.isEmpty {
                    inputs.append(("initrd", fileEntry(initrd, sha256: hashes.initrd)))
                }
                inputs.append(
                    (
                        "cmdline",
                        .object([
                            ("value", .string(launch.cmdline ?? "")),
                            ("sha256", .string(hexString(hashes.cmdline))),
                        ])
                    ))
            }
            if mode != .sev {
                inputs.append(("vcpus", .number(launch.vcpus)))
                inputs.append(("vcpuSignature", .string("0x" + String(launch.vcpuSignature, radix: 16))))
                inputs.append(("vmmType", .string(launch.vmm.rawValue)))
                inputs.append(("vmsaFlavour", .string(launch.flavour.rawValue)))
            }
            if mode == .snp {
                inputs.append(("guestFeatures", .string("0x" + String(launch.guestFeatures, radix: 16))))
                inputs.append(
                    ("snpOvmfHashSeed", launch.firmwareDigestSeed.map { .string(hexString($0)) } ?? .null))
            }
            if mode == .snpSVSM, let svsm = launch.svsmInput {
                inputs.append(("svsm", try fileReport(svsm, .sha256)))
                inputs.append(("varsSize", .number(launch.varsSize)))
            }
        }
        inputs += extraInputs
        let algorithm = digest.count == DigestAlgorithm.sha256.size ? "sha256" : "sha384"
        let document = JSONValue.object(
            [
                ("mode", .string(mode.rawValue)),
                (
                    "measurement",
                    .object([
                        ("algorithm", .string(algorithm)), ("hex", .string(hexString(digest))),
                        ("base64", .string(Base64.encode(digest))),
                    ])
                ),
                ("inputs", .object(inputs)),
            ] + extra)
        return MeasureOutput(text: document.rendered(), vmsaPages: pages)
    }

    private func fileReport(_ file: FileReader, _ algorithm: DigestAlgorithm) throws -> JSONValue {
        .object([
            ("path", .string(file.path)), ("size", .number(file.size)),
            (algorithm.rawValue, .string(hexString(try algorithm.hash(file: file)))),
        ])
    }

    private func fileEntry(_ path: String, sha256: [UInt8]) -> JSONValue {
        .object([("path", .string(path)), ("sha256", .string(hexString(sha256)))])
    }
}
