import Logging

extension ExpectedMeasurement {
    /// Structured log fields for the sandbox's launch log line: the journal gets
    /// `LAUNCH_MEASUREMENT` (the hex value) and `LAUNCH_MEASUREMENT_MODE`.
    public var logMetadata: Logger.Metadata {
        ["launch_measurement": .string(measurement), "launch_measurement_mode": .string(mode.rawValue)]
    }
}
