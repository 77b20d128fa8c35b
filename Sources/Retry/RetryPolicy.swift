import KataCore

/// How often and how patiently to retry an operation.
public struct RetryPolicy: Sendable, Equatable {
    /// The wait between attempts.
    public enum Backoff: Sendable, Equatable {
        /// The same delay before every retry.
        case fixed(Duration)
        /// `initial`, then multiplied by `multiplier` before each further retry, never above `cap`.
        case exponential(initial: Duration, multiplier: Double = 2, cap: Duration)
    }

    /// Total attempts including the first; at least 1.
    public var maxAttempts: Int
    public var backoff: Backoff
    /// Time budget for all attempts and waits together, measured from the first attempt.
    /// Checked between attempts: an attempt in progress is not interrupted, so operations that
    /// can block must carry their own timeout.
    public var deadline: Duration?
    /// Fraction (0...1) of each delay that is randomised downwards, to spread out retries of
    /// many clients. 0 (the default) keeps delays exact.
    public var jitter: Double

    public init(maxAttempts: Int, backoff: Backoff, deadline: Duration? = nil, jitter: Double = 0) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.deadline = deadline
        self.jitter = jitter
    }

    /// The delay after failed attempt number `attempt` (1-based), before jitter.
    public func baseDelay(afterAttempt attempt: Int) -> Duration {
        switch backoff {
        case .fixed(let delay):
            return delay
        case .exponential(let initial, let multiplier, let cap):
            var delay = min(initial, cap)
            var step = 1
            // Multiplying step by step stops at the cap before any overflow.
            while step < attempt && delay < cap {
                delay = min(delay * multiplier, cap)
                step += 1
            }
            return delay
        }
    }

    /// The delay after failed attempt `attempt`, with jitter drawn from `generator`.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator)
        -> Duration
    {
        let base = baseDelay(afterAttempt: attempt)
        guard jitter > 0 else { return base }
        let fraction = Double.random(in: 0...min(jitter, 1), using: &generator)
        return base - base * fraction
    }

    /// Checks the policy's numbers; `retry` calls this before the first attempt.
    public func validate(for what: String) throws {
        func invalid(_ reason: String) -> KataError {
            KataError(.invalidArgument, "retry policy for \(what): \(reason)")
        }
        guard maxAttempts >= 1 else { throw invalid("maxAttempts must be at least 1, got \(maxAttempts)") }
        guard (0...1).contains(jitter) else { throw invalid("jitter must be within 0...1, got \(jitter)") }
        if let deadline, deadline <= .zero { throw invalid("deadline must be positive, got \(deadline)") }
        switch backoff {
        case .fixed(let delay):
            guard delay >= .zero else { throw invalid("fixed delay must not be negative, got \(delay)") }
        case .exponential(let initial, let multiplier, let cap):
            guard initial >= .zero, cap >= initial else {
                throw invalid("exponential backoff needs 0 <= initial <= cap, got \(initial) and \(cap)")
            }
            guard multiplier >= 1, multiplier.isFinite else {
                throw invalid("exponential multiplier must be a finite number >= 1, got \(multiplier)")
            }
        }
    }
}
