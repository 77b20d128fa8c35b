import KataMonitor

#if canImport(Glibc)
    import Glibc
#endif

// SIGTERM and SIGINT are taken by sigwait on one thread; blocked here before any other thread
// exists, so every thread inherits the mask and none is killed by them.
var termination = sigset_t()
sigemptyset(&termination)
sigaddset(&termination, SIGTERM)
sigaddset(&termination, SIGINT)
pthread_sigmask(SIG_BLOCK, &termination, nil)

// Inside an async function the compiler picks ArgumentParser's async `main()`.
func runKataMonitor() async { await KataMonitorCommand.main() }
await runKataMonitor()
