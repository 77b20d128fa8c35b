import KataCore

/// Runs `operation` until it succeeds, `shouldRetry` rejects its error, the attempts run out or
/// the deadline passes.
///
/// - Waits with `clock`, so tests pass a virtual clock and never sleep for real.
/// - Cancellation of the calling task stops it promptly (before the next attempt or during a
///   wait) with `KataError(.cancelled)`.
/// - When attempts or the deadline run out, throws `KataError(.timeout)` naming `what`, the
///   attempts made and the last error. An error `shouldRetry` rejects is rethrown unchanged.
public func retry<C: Clock, T>(
    _ what: String,
    policy: RetryPolicy,
    clock: C = ContinuousClock(),
    shouldRetry: (any Error) -> Bool = { _ in true },
    isolation: isolated (any Actor)? = #isolation,
    operation: (_ attempt: Int) async throws -> T
) async throws -> T where C.Duration == Duration {
    var generator = SystemRandomNumberGenerator()
    return try await retry(
        what, policy: policy, clock: clock, random: &generator, shouldRetry: shouldRetry,
        operation: operation)
}

/// `retry` with the jitter's random source supplied by the caller.
public func retry<C: Clock, T>(
    _ what: String,
    policy: RetryPolicy,
    clock: C,
    random generator: inout some RandomNumberGenerator,
    shouldRetry: (any Error) -> Bool = { _ in true },
    isolation: isolated (any Actor)? = #isolation,
    operation: (_ attempt: Int) async throws -> T
) async throws -> T where C.Duration == Duration {
    try policy.validate(for: what)
    let deadline = policy.deadline.map { clock.now.advanced(by: $0) }
    var attempt = 0
    while true {
        attempt += 1
        if Task.isCancelled { throw cancelled(what, attempts: attempt - 1) }
        let failure: any Error
        do {
            return try await operation(attempt)
        } catch is CancellationError {
            throw cancelled(what, attempts: attempt)
        } catch let error as KataError where error.code == .cancelled {
            throw error
        } catch {
            guard shouldRetry(error) else { throw error }
            failure = error
        }
        guard attempt < policy.maxAttempts else {
            throw exhausted(what, attempts: attempt, reason: "no attempts left", lastError: failure)
        }
        let delay = policy.delay(afterAttempt: attempt, using: &generator)
        if let deadline, let budget = policy.deadline, clock.now.advanced(by: delay) >= deadline {
            throw exhausted(
                what, attempts: attempt, reason: "deadline of \(budget) reached", lastError: failure)
        }
        do {
            try await clock.sleep(for: delay)
        } catch {
            throw cancelled(what, attempts: attempt)
        }
    }
}

private func cancelled(_ what: String, attempts: Int) -> KataError {
    KataError(.cancelled, "\(what): cancelled after \(attempts) attempt\(attempts == 1 ? "" : "s")")
}

private func exhausted(_ what: String, attempts: Int, reason: String, lastError: any Error) -> KataError {
    KataError(
        .timeout,
        "\(what): gave up after \(attempts) attempt\(attempts == 1 ? "" : "s") (\(reason)); "
            + "last error: \(String(describing: lastError))")
}
