import KataCore
import Synchronization
import Testing

@testable import Retry

/// A clock whose sleeps never end on their own: only cancellation ends them. Shows that a
/// retry waiting between attempts reacts to cancellation at once, without real time passing.
final class ParkingClock: Clock, Sendable {
    private let base = VirtualClock()
    private let parked = Mutex<[AsyncStream<Never>.Continuation]>([])
    private let sleepStarted: AsyncStream<Void>.Continuation
    let sleepStarts: AsyncStream<Void>

    init() { (sleepStarts, sleepStarted) = AsyncStream<Void>.makeStream() }

    var now: VirtualClock.Instant { base.now }
    var minimumResolution: Duration { base.minimumResolution }

    func sleep(until deadline: VirtualClock.Instant, tolerance: Duration?) async throws {
        let (stream, continuation) = AsyncStream<Never>.makeStream()
        parked.withLock { $0.append(continuation) }  // kept alive so only cancellation ends it
        sleepStarted.yield()
        for await _ in stream {}
        try Task.checkCancellation()
    }
}

@Suite struct RetryCancellationTests {
    @Test func cancellationDuringWaitStopsPromptly() async {
        let clock = ParkingClock()
        let attempts = Atomic<Int>(0)
        let task = Task {
            try await retry(
                "boot", policy: RetryPolicy(maxAttempts: 10, backoff: .fixed(.seconds(60))), clock: clock
            ) {
                attempt -> Void in
                attempts.add(1, ordering: .relaxed)
                throw Flaky(attempt: attempt)
            }
        }
        for await _ in clock.sleepStarts { break }
        task.cancel()
        let error = await #expect(throws: KataError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(error?.message.contains("1 attempt") == true)
        #expect(attempts.load(ordering: .relaxed) == 1)
    }

    @Test func cancellationBeforeStartMakesNoAttempt() async {
        let attempts = Atomic<Int>(0)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await retry(
                "x", policy: RetryPolicy(maxAttempts: 3, backoff: .fixed(.zero)), clock: VirtualClock()
            ) {
                _ in attempts.add(1, ordering: .relaxed)
            }
        }
        let error = await #expect(throws: KataError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(attempts.load(ordering: .relaxed) == 0)
    }

    @Test func cancellationDuringAttemptPreventsFurtherAttempts() async {
        let attempts = Atomic<Int>(0)
        let task = Task {
            try await retry(
                "x", policy: RetryPolicy(maxAttempts: 9, backoff: .fixed(.zero)), clock: VirtualClock()
            ) {
                attempt -> Void in
                attempts.add(1, ordering: .relaxed)
                if attempt == 2 { withUnsafeCurrentTask { $0?.cancel() } }
                throw Flaky(attempt: attempt)
            }
        }
        let error = await #expect(throws: KataError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(attempts.load(ordering: .relaxed) == 2)
    }

    @Test func operationCancellationErrorIsNotRetried() async {
        var attempts = 0
        let error = await #expect(throws: KataError.self) {
            try await retry(
                "x", policy: RetryPolicy(maxAttempts: 9, backoff: .fixed(.zero)), clock: VirtualClock()
            ) {
                _ -> Void in
                attempts += 1
                throw CancellationError()
            }
        }
        #expect(error?.code == .cancelled)
        #expect(attempts == 1)
    }
}
