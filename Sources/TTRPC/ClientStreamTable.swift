/// The client's bookkeeping of open streams, as a pure value type: which stream ids are
/// taken and who waits on each.
///
/// Stream ids are odd and strictly increasing, as the ttrpc protocol requires of clients; the
/// owner sends each request while still holding the id it got, so requests leave in id order.
struct ClientStreamTable<Waiter> {
    private var waiters: [UInt32: Waiter] = [:]
    private(set) var nextStreamID: UInt32 = 1
    /// Set once the connection is gone; every later call fails with it.
    private(set) var closedError: TTRPCError?

    var openStreams: Int { waiters.count }

    init(firstStreamID: UInt32 = 1) {
        nextStreamID = firstStreamID | 1
    }

    /// Takes the next stream id for `waiter`.
    mutating func open(_ waiter: Waiter) throws(TTRPCError) -> UInt32 {
        if let closedError { throw closedError }
        guard nextStreamID <= UInt32.max - 2 else {
            throw TTRPCError(.resourceExhausted, "stream ids of this connection are used up; reconnect")
        }
        let id = nextStreamID
        nextStreamID += 2
        waiters[id] = waiter
        return id
    }

    /// The waiter of an open stream, left in place (stream data).
    func waiter(_ id: UInt32) -> Waiter? {
        waiters[id]
    }

    /// Ends a stream (answered, failed, abandoned); returns its waiter unless it already ended.
    mutating func remove(_ id: UInt32) -> Waiter? {
        waiters.removeValue(forKey: id)
    }

    /// The connection is gone: returns every waiter to fail; later calls fail with `error`.
    mutating func close(_ error: TTRPCError) -> [Waiter] {
        if closedError == nil { closedError = error }
        defer { waiters = [:] }
        return Array(waiters.values)
    }
}
