import Logging

extension ExpectedMeasurement {
    /// Structured log fields for the sandbox's launch log line: the journal gets
    /// `LAUNCH_MEASUREMENT` (the hex value) and `LAUNCH_MEASUREMENT_MODE`.
    /// A TD adds `LAUNCH_RTMR_1` and `LAUNCH_RTMR_2`.
    public var logMetadata: Logger.Metadata {
        var fields: Logger.Metadata = [
            "launch_measurement": .string(measurement), "launch_measurement_mode": .string(mode.rawValue),
        ]
        if let tdx {
            fields["launch_rtmr_1"] = .string(tdx.rtmr1)
            fields["launch_rtmr_2"] = .string(tdx.rtmr2)
        }
        return fields
    }
}
