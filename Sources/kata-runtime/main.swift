import KataRuntimeCLI

// Inside an async function the compiler picks ArgumentParser's async `main()`; at top level it
// picks the synchronous one, which refuses to run an async command.
func runKataRuntime() async { await KataRuntimeCommand.main() }
await runKataRuntime()
