#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` on a new detached OS thread. The agent uses threads, not the cooperative pool,
/// for work that blocks in the kernel (waitpid, read on pipes), so it never starves async tasks.
public func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {  // handed to exactly one thread, read once
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, &attributes,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
    pthread_attr_destroy(&attributes)
    if rc != 0 {
        // Without a thread nothing can run the body; run it here rather than lose it.
        Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
    }
}
