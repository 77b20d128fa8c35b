import KataCore

/// Runs `body` with a bound: a hang is a failure, not a stuck test run (a hung body is left
/// behind, unlike in a task group, which would wait for it).
package func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    let outcome = OnceValue<Result<T, any Error>>()
    let work = Task {
        do { outcome.set(.success(try await body())) } catch { outcome.set(.failure(error)) }
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        outcome.set(.failure(KataError(.timeout, "did not finish within \(limit)")))
    }
    defer {
        work.cancel()
        timer.cancel()
    }
    return try await outcome.value().get()
}
