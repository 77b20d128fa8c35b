import KataCore
import Synchronization
import Testing

@testable import Retry

struct Flaky: Error, CustomStringConvertible {
    let attempt: Int
    var description: String { "flaky failure #\(attempt)" }
}

struct Fatal: Error {}

@Suite struct RetryTests {
    @Test func firstSuccessDoesNotWait() async throws {
        let clock = VirtualClock()
        let value = try await retry(
            "probe", policy: RetryPolicy(maxAttempts: 3, backoff: .fixed(.seconds(1))), clock: clock
        ) { attempt in attempt * 10 }
        #expect(value == 10)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func succeedsAfterFailuresWithFixedDelay() async throws {
        let clock = VirtualClock()
        var attempts: [Int] = []
        let value = try await retry(
            "probe", policy: RetryPolicy(maxAttempts: 5, backoff: .fixed(.milliseconds(250))), clock: clock
        ) { attempt in
            attempts.append(attempt)
            if attempt < 4 { throw Flaky(attempt: attempt) }
            return "ok"
        }
        #expect(value == "ok")
        #expect(attempts == [1, 2, 3, 4])
        #expect(clock.sleeps == Array(repeating: .milliseconds(250), count: 3))
        #expect(clock.now.offset == .milliseconds(750))
    }

    @Test func exhaustedAttemptsCarryCountAndLastError() async {
        let clock = VirtualClock()
        var attempts = 0
        let error = await #expect(throws: KataError.self) {
            try await retry(
                "connect to QMP", policy: RetryPolicy(maxAttempts: 3, backoff: .fixed(.seconds(1))),
                clock: clock
            ) { attempt -> Int in
                attempts += 1
                throw Flaky(attempt: attempt)
            }
        }
        #expect(attempts == 3)
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("connect to QMP") == true)
        #expect(error?.message.contains("3 attempts") == true)
        #expect(error?.message.contains("flaky failure #3") == true)
        #expect(clock.sleeps == [.seconds(1), .seconds(1)])
    }

    @Test func exponentialDelaysAreCapped() async {
        let clock = VirtualClock()
        let policy = RetryPolicy(
            maxAttempts: 7,
            backoff: .exponential(initial: .milliseconds(100), multiplier: 3, cap: .seconds(2)))
        _ = await #expect(throws: KataError.self) {
            try await retry("x", policy: policy, clock: clock) { attempt -> Void in
                throw Flaky(attempt: attempt)
            }
        }
        #expect(
            clock.sleeps == [
                .milliseconds(100), .milliseconds(300), .milliseconds(900), .seconds(2), .seconds(2),
                .seconds(2),
            ])
    }

    @Test func exponentialBaseDelayNeverOverflows() {
        let policy = RetryPolicy(
            maxAttempts: 1000, backoff: .exponential(initial: .seconds(1), multiplier: 10, cap: .seconds(60)))
        #expect(policy.baseDelay(afterAttempt: 1) == .seconds(1))
        #expect(policy.baseDelay(afterAttempt: 2) == .seconds(10))
        #expect(policy.baseDelay(afterAttempt: 999) == .seconds(60))
    }

    @Test func deadlineStopsBeforeOverrunningIt() async {
        let clock = VirtualClock()
        var attempts = 0
        let policy = RetryPolicy(
            maxAttempts: 100, backoff: .fixed(.seconds(1)), deadline: .milliseconds(3500))
        let error = await #expect(throws: KataError.self) {
            try await retry("wait for agent", policy: policy, clock: clock) { attempt -> Void in
                attempts += 1
                throw Flaky(attempt: attempt)
            }
        }
        // Attempts at t = 0, 1, 2, 3 s; a fifth would start at 4 s, past the 3.5 s deadline.
        #expect(attempts == 4)
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("deadline") == true)
        #expect(error?.message.contains("4 attempts") == true)
        #expect(clock.now.offset == .seconds(3))
    }

    @Test func deadlineCountsTimeSpentInAttempts() async {
        let clock = VirtualClock()
        var attempts = 0
        let policy = RetryPolicy(maxAttempts: 100, backoff: .fixed(.milliseconds(100)), deadline: .seconds(5))
        _ = await #expect(throws: KataError.self) {
            try await retry("slow", policy: policy, clock: clock) { attempt -> Void in
                attempts += 1
                clock.advance(by: .seconds(2))
                throw Flaky(attempt: attempt)
            }
        }
        // Attempts end at 2, 4.1 and 6.2 s; the third already ran past the deadline.
        #expect(attempts == 3)
    }

    @Test func shouldRetryRejectionRethrowsOriginalError() async {
        var attempts = 0
        await #expect(throws: Fatal.self) {
            try await retry(
                "x", policy: RetryPolicy(maxAttempts: 5, backoff: .fixed(.zero)), clock: VirtualClock(),
                shouldRetry: { $0 is Flaky }
            ) { attempt -> Void in
                attempts += 1
                if attempt == 2 { throw Fatal() }
                throw Flaky(attempt: attempt)
            }
        }
        #expect(attempts == 2)
    }

    @Test func jitterShortensDelaysWithinBounds() async {
        let clock = VirtualClock()
        let policy = RetryPolicy(maxAttempts: 50, backoff: .fixed(.seconds(1)), jitter: 0.5)
        _ = await #expect(throws: KataError.self) {
            try await retry("x", policy: policy, clock: clock) { attempt -> Void in
                throw Flaky(attempt: attempt)
            }
        }
        #expect(clock.sleeps.count == 49)
        #expect(clock.sleeps.allSatisfy { $0 >= .milliseconds(500) && $0 <= .seconds(1) })
        #expect(Set(clock.sleeps).count > 1)
    }

    @Test(arguments: [
        RetryPolicy(maxAttempts: 0, backoff: .fixed(.seconds(1))),
        RetryPolicy(maxAttempts: 1, backoff: .fixed(.seconds(-1))),
        RetryPolicy(maxAttempts: 1, backoff: .fixed(.seconds(1)), deadline: .zero),
        RetryPolicy(maxAttempts: 1, backoff: .fixed(.seconds(1)), jitter: 1.5),
        RetryPolicy(maxAttempts: 1, backoff: .exponential(initial: .seconds(2), cap: .seconds(1))),
        RetryPolicy(
            maxAttempts: 1, backoff: .exponential(initial: .seconds(1), multiplier: 0.5, cap: .seconds(9))),
    ])
    func invalidPoliciesAreRejectedBeforeAnyAttempt(policy: RetryPolicy) async {
        var attempts = 0
        let error = await #expect(throws: KataError.self) {
            try await retry("x", policy: policy, clock: VirtualClock()) { _ in attempts += 1 }
        }
        #expect(error?.code == .invalidArgument)
        #expect(attempts == 0)
    }
}
