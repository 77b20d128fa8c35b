import KataCore
import Runtime

/// Reference values for Trustee: its RVPS "sample" message, whose payload maps each reference
/// value name to the accepted values. The names are the ones Trustee's default attestation
/// policy (attestation-service ear_default_policy_cpu.rego) queries.
enum ReferenceValues {
    /// The reference value name the default policy compares a mode's launch measurement with.
    static func claim(for mode: GuestProtection) throws -> String {
        switch mode {
        case .snp: return "snp_launch_measurement"  // input.snp.evidence.measurement
        case .tdx: return "mr_td"  // input.tdx.quote.body.mr_td
        case .sev, .sevES, .none:
            throw refusal(
                "--reference-values: Trustee's attestation service has no \(mode.rawValue) verifier and its "
                    + "default policy no \(mode.rawValue) reference value (SEV and SEV-ES are attested before "
                    + "launch, by the launch secret); print the measurement without --reference-values")
        }
    }

    /// `{"version":"0.1.0","type":"sample","payload":"<base64 of {"<claim>":["<hex>"]}>"}`; with
    /// initdata, the payload also maps `init_data` to the value the report's field carries
    /// (SNP HOST_DATA, TDX MRCONFIGID: the digest cut or zero-padded to the field).
    static func sampleMessage(_ measurement: ExpectedMeasurement) throws -> String {
        var values: [(String, JSONValue)] = [
            (try claim(for: measurement.mode), .array([.string(measurement.measurement)]))
        ]
        if let initdata = measurement.initdata, let value = initdata.value {
            values.append(("init_data", .array([.string(value)])))
        }
        let payload = JSONValue.object(values).compact()
        return JSONValue.object([
            ("version", .string("0.1.0")), ("type", .string("sample")),
            ("payload", .string(Base64.encode(Array(payload.utf8)))),
        ]).compact()
    }
}
