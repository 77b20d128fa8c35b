/// Runs `body`, then `cleanup` whether `body` returned or threw: what a test started is
/// stopped even when the test fails half way (`defer` cannot await).
func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    do {
        let result = try await body()
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}
