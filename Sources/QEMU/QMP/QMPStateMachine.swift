import KataCore

/// The QMP protocol without I/O: bytes in, actions out. The client feeds it what the socket
/// reads and performs what it returns, so unit tests can drive every path without a socket.
struct QMPStateMachine {
    enum State: Equatable {
        case awaitingGreeting
        case negotiating(QMPGreeting)
        case ready
        case closed(KataError)
    }

    enum Action: Equatable {
        /// Write these bytes to the socket.
        case send([UInt8])
        /// Capabilities are negotiated; commands may be executed.
        case ready(QMPGreeting)
        /// A command finished (successfully or not).
        case complete(id: String, Result<JSONValue, KataError>)
        case event(QMPEvent)
        /// A well-formed message that answers nothing we wait for (e.g. a reply after its timeout).
        case discarded(String)
        /// The connection is unusable: close it. Pending commands were completed before this.
        case close(KataError)
    }

    /// One QMP message may not exceed this; longer input without a newline is an error.
    static let maximumMessageSize = 16 << 20
    static let capabilitiesID = "qmp-capabilities"

    private(set) var state: State = .awaitingGreeting
    private var buffer: [UInt8] = []
    /// Command id -> command name, for every command not yet answered.
    private(set) var pending: [String: String] = [:]
    private var nextID = 1

    /// Allocates an id for `command` and returns the bytes to send.
    mutating func execute(_ command: String, arguments: JSONObject? = nil) throws -> (
        id: String, bytes: [UInt8]
    ) {
        switch state {
        case .ready: break
        case .closed(let error): throw error
        case .awaitingGreeting, .negotiating:
            throw KataError(.failedPrecondition, "QMP \(command): capabilities are not negotiated yet")
        }
        let id = "kata-\(nextID)"
        nextID += 1
        pending[id] = command
        return (id, Self.encode(command, arguments: arguments, id: id))
    }

    /// Bytes read from the socket.
    mutating func receive(_ bytes: some Collection<UInt8>) -> [Action] {
        if case .closed = state { return [] }
        buffer.append(contentsOf: bytes)
        var actions: [Action] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[..<newline]
            let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }
            let message = blank ? nil : Result { try JSONValue.parse(line) }
            buffer.removeSubrange(...newline)
            guard let message else { continue }
            switch message {
            case .success(let value): actions += handle(value)
            case .failure(let error as KataError): actions += fail(error)
            case .failure(let error): actions += fail(KataError(.malformedInput, "QMP: \(error)"))
            }
            if case .closed = state { return actions }
        }
        if buffer.count > Self.maximumMessageSize {
            actions += fail(
                KataError(.malformedInput, "QMP message longer than \(Self.maximumMessageSize) bytes"))
        }
        return actions
    }

    /// The command's deadline passed: complete it with `.timeout` (a later reply is discarded).
    mutating func timedOut(id: String, after description: String) -> [Action] {
        guard let command = pending.removeValue(forKey: id) else { return [] }
        return [
            .complete(id: id, .failure(KataError(.timeout, "QMP \(command): no reply within \(description)")))
        ]
    }

    /// The socket closed or failed: every pending command fails with `error`.
    mutating func connectionClosed(_ error: KataError) -> [Action] {
        if case .closed = state { return [] }
        return fail(error)
    }

    private mutating func fail(_ error: KataError) -> [Action] {
        state = .closed(error)
        let failed = pending.keys.sorted().map { Action.complete(id: $0, .failure(error)) }
        pending.removeAll()
        return failed + [.close(error)]
    }

    private mutating func handle(_ value: JSONValue) -> [Action] {
        guard case .object(let object) = value else {
            return fail(KataError(.malformedInput, "QMP: expected a JSON object, got \(value.kindName)"))
        }
        do {
            switch state {
            case .awaitingGreeting:
                let greeting = try QMPGreeting(object)
                state = .negotiating(greeting)
                return [.send(Self.encode("qmp_capabilities", arguments: nil, id: Self.capabilitiesID))]
            case .negotiating(let greeting):
                if object["event"] != nil { return [.event(try QMPEvent(object))] }
                let reply = try Self.decodeReply(object, command: "qmp_capabilities")
                guard try object.optionalString("id", in: "QMP reply") == Self.capabilitiesID else {
                    return [.discarded("reply before capabilities negotiation: \(value.jsonText)")]
                }
                if case .failure(let error) = reply { return fail(error) }
                state = .ready
                return [.ready(greeting)]
            case .ready:
                if object["event"] != nil { return [.event(try QMPEvent(object))] }
                let id = try object.optionalString("id", in: "QMP reply")
                // Validate the shape first: a malformed reply is an error even when nobody waits for it.
                let reply = try Self.decodeReply(object, command: id.flatMap { pending[$0] } ?? "reply")
                guard let id, pending.removeValue(forKey: id) != nil else {
                    return [.discarded("reply with no pending id: \(value.jsonText)")]
                }
                return [.complete(id: id, reply)]
            case .closed:
                return []
            }
        } catch let error as KataError {
            return fail(error)
        } catch {
            return fail(KataError(.malformedInput, "QMP: \(error)"))
        }
    }

    /// `{"return": X}` -> X; `{"error": {"class", "desc"}}` -> `.remote` naming the command.
    static func decodeReply(_ object: JSONObject, command: String) throws -> Result<JSONValue, KataError> {
        if let value = object["return"] { return .success(value) }
        if let error = object["error"] {
            let details = try error.objectValue("QMP \(command) error")
            let errorClass = try details.string("class", in: "QMP \(command) error")
            let description = try details.string("desc", in: "QMP \(command) error")
            return .failure(KataError(.remote, "QMP \(command): \(errorClass): \(description)"))
        }
        throw KataError(.malformedInput, "QMP \(command): message has neither 'return', 'error' nor 'event'")
    }

    static func encode(_ command: String, arguments: JSONObject?, id: String) -> [UInt8] {
        var message: JSONObject = ["execute": .string(command)]
        if let arguments { message["arguments"] = .object(arguments) }
        message["id"] = .string(id)
        return Array((JSONValue.object(message).jsonText + "\n").utf8)
    }
}
