extension KataRuntimeCommand {
    /// Entry point for the thin `main.swift`. Calling `main()` from top-level code resolves to
    /// ParsableCommand's synchronous overload, which refuses an asynchronous root command; inside
    /// an async function the async overload is chosen.
    public static func runAsRoot() async {
        await main()
    }
}
