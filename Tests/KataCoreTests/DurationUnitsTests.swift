import Testing

@testable import KataCore

@Suite struct DurationUnitsTests {
    @Test func wholeUnitsDropTheFraction() {
        #expect(Duration.milliseconds(1500).wholeNanoseconds == 1_500_000_000)
        #expect(Duration.milliseconds(1500).wholeMilliseconds == 1500)
        #expect(Duration.nanoseconds(999_999).wholeMilliseconds == 0)
        #expect(Duration.nanoseconds(1).wholeNanoseconds == 1)
        #expect(Duration.zero.wholeMilliseconds == 0)
    }

    @Test func spansBeyondInt64Saturate() {
        let huge = Duration.seconds(Int64.max)
        #expect(huge.wholeNanoseconds == .max)
        #expect(huge.wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeNanoseconds == .min)
    }
}
