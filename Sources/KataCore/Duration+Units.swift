extension Duration {
    /// Whole nanoseconds (the fraction below one dropped), saturating at Int64.max: a Duration
    /// holds far longer spans than an Int64 count of nanoseconds.
    package var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : nanoseconds &+ attoseconds / 1_000_000_000
    }

    /// Whole milliseconds, for log fields and figures; saturating like `wholeNanoseconds`.
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? (seconds < 0 ? .min : .max) : milliseconds &+ attoseconds / 1_000_000_000_000_000
    }
}
