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

    /// `{"version":"0.1.0","type":"sample","payload":"<base64 of {"<claim>":["<hex>"],...}>"}`.
    /// A TD adds `rtmr_1`, `rtmr_2` and the event digests the default policy compares
    /// (`tdvfkernel`, and `tdvfkernelparams` when the kernel's stub measures its load options);
    /// with initdata, the payload also maps `init_data` to the value the report's field carries
    /// (SNP HOST_DATA, TDX MRCONFIGID: the digest cut or zero-padded to the field).
    static func sampleMessage(_ measurement: ExpectedMeasurement) throws -> String {
        var values = [(try claim(for: measurement.mode), measurement.measurement)]
        if let tdx = measurement.tdx {
            values += [("rtmr_1", tdx.rtmr1), ("rtmr_2", tdx.rtmr2)]
            for name in ["tdvfkernel", "tdvfkernelparams"] {
                if let digest = tdx.digest(of: name) { values.append((name, digest)) }
            }
        }
        if let initdata = measurement.initdata, let value = initdata.value {
            values.append(("init_data", value))
        }
        let payload = JSONValue.object(values.map { ($0.0, .array([.string($0.1)])) }).compact()
        return JSONValue.object([
            ("version", .string("0.1.0")), ("type", .string("sample")),
            ("payload", .string(Base64.encode(Array(payload.utf8)))),
        ]).compact()
    }
}
