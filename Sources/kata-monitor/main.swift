import KataMonitor

// Inside an async function the compiler picks ArgumentParser's async `main()`.
func runKataMonitor() async { await KataMonitorCommand.main() }
await runKataMonitor()
