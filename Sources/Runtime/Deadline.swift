import KataCore

/// Runs `body`, cancelling it and throwing `.timeout` (naming `what`) once `limit` has passed.
/// `body` must end when cancelled (agent calls do).
func withDeadline<T: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw KataError(.timeout, "\(what): no answer within \(limit)")
        }
        return value
    }
}
