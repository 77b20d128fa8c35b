import ArgumentParser

extension KataRuntimeCommand {
    /// Parses the process arguments and runs the chosen verb. Spelled out because, from the
    /// executable's top-level code, `KataRuntimeCommand.main()` resolves to ParsableCommand's
    /// synchronous `main`, which refuses asynchronous root commands at run time.
    public static func runAsRoot(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
