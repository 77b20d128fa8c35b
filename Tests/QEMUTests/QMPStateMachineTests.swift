import KataCore
import Testing

@testable import QEMU

/// The QMP protocol driven byte by byte, without a socket.
@Suite struct QMPStateMachineTests {
    static let greeting =
        Array(
            #"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian"}, "capabilities": ["oob"]}}"#
                .utf8) + [0x0D, 0x0A]

    func bytes(_ text: String) -> [UInt8] { Array((text + "\r\n").utf8) }

    /// A machine past negotiation.
    func readyMachine() -> QMPStateMachine {
        var machine = QMPStateMachine()
        _ = machine.receive(Self.greeting)
        _ = machine.receive(bytes(#"{"return": {}, "id": "qmp-capabilities"}"#))
        return machine
    }

    @Test func greetingThenCapabilities() throws {
        var machine = QMPStateMachine()
        // The greeting arrives in two reads; nothing happens until its newline.
        #expect(machine.receive(Self.greeting[..<20]) == [])
        let actions = machine.receive(Self.greeting[20...])
        #expect(
            actions == [
                .send(Array(#"{"execute":"qmp_capabilities","id":"qmp-capabilities"}"#.utf8) + [0x0A])
            ])
        #expect(throws: KataError.self) { try machine.execute("query-status") }
        let ready = machine.receive(bytes(#"{"return": {}, "id": "qmp-capabilities"}"#))
        guard case .ready(let greeting) = ready.first else {
            Issue.record("expected ready, got \(ready)")
            return
        }
        #expect(greeting.version.major == 7 && greeting.version.minor == 2 && greeting.version.micro == 22)
        #expect(greeting.version.package == "Debian" && greeting.capabilities == ["oob"])
        #expect(machine.state == .ready)
    }

    @Test func repliesMatchByIDInAnyOrder() throws {
        var machine = readyMachine()
        let first = try machine.execute("query-status")
        let second = try machine.execute("device_del", arguments: ["id": "dev0"])
        #expect(first.id != second.id)
        #expect(
            second.bytes == Array(
                #"{"execute":"device_del","arguments":{"id":"dev0"},"id":"\#(second.id)"}"#.utf8) + [0x0A])
        let actions = machine.receive(
            bytes(#"{"return": {}, "id": "\#(second.id)"}"#)
                + bytes(#"{"return": {"status": "running", "running": true}, "id": "\#(first.id)"}"#))
        #expect(
            actions == [
                .complete(id: second.id, .success(.object([:]))),
                .complete(id: first.id, .success(.object(["status": "running", "running": true]))),
            ])
        #expect(machine.pending.isEmpty)
    }

    @Test func errorReplyIsRemoteNamingTheCommand() throws {
        var machine = readyMachine()
        let command = try machine.execute("query-sev")
        let actions = machine.receive(
            bytes(
                #"{"id": "\#(command.id)", "error": {"class": "GenericError", "desc": "SEV feature is not available"}}"#
            ))
        #expect(
            actions == [
                .complete(
                    id: command.id,
                    .failure(KataError(.remote, "QMP query-sev: GenericError: SEV feature is not available")))
            ])
        #expect(machine.state == .ready)
    }

    @Test func eventsAreDecoded() {
        var machine = readyMachine()
        let actions = machine.receive(
            bytes(
                #"{"timestamp": {"seconds": 1700000000, "microseconds": 250}, "event": "DEVICE_DELETED", "data": {"device": "port1", "path": "/machine/peripheral/port1"}}"#
            ) + bytes(#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}"#))
        #expect(
            actions == [
                .event(
                    QMPEvent(
                        name: "DEVICE_DELETED",
                        data: ["device": "port1", "path": "/machine/peripheral/port1"],
                        timestampMicroseconds: 1_700_000_000_000_250)),
                .event(QMPEvent(name: "STOP", timestampMicroseconds: 1_000_002)),
            ])
    }

    @Test func malformedJSONFailsEveryPendingCommandAndCloses() throws {
        var machine = readyMachine()
        let a = try machine.execute("stop")
        let b = try machine.execute("cont")
        let actions = machine.receive(bytes(#"{"return": {}, "id": "#))
        #expect(actions.count == 3)
        guard case .close(let error) = actions.last else {
            Issue.record("expected close, got \(actions)")
            return
        }
        #expect(error.code == .malformedInput)
        #expect(
            actions.prefix(2) == [.complete(id: a.id, .failure(error)), .complete(id: b.id, .failure(error))])
        #expect(throws: error) { try machine.execute("stop") }
        #expect(machine.receive(bytes(#"{"return": {}}"#)) == [])
    }

    @Test func wrongShapesAreMalformed() {
        for text in [
            #"[1, 2]"#, #"{"neither": 1}"#, #"{"event": 5}"#, #"{"id": "x", "error": {"class": 1}}"#,
        ] {
            var machine = readyMachine()
            let actions = machine.receive(bytes(text))
            guard case .close(let error) = actions.last else {
                Issue.record("\(text): expected close, got \(actions)")
                continue
            }
            #expect(error.code == .malformedInput, "\(text)")
        }
        var machine = QMPStateMachine()
        guard case .close(let error) = machine.receive(bytes(#"{"hello": 1}"#)).last else {
            Issue.record("a bad greeting must close")
            return
        }
        #expect(error.code == .malformedInput)
    }

    /// Timestamps are arithmetic on socket input: `seconds * 10^6 + microseconds` once trapped on
    /// a huge `seconds` (found reading the parser for unchecked arithmetic).
    @Test(
        arguments: [
            (#"{"seconds": 9223372036854775807, "microseconds": 0}"#, "seconds"),
            (#"{"seconds": 9223372036854, "microseconds": 775807}"#, nil),
            (#"{"seconds": 9223372036854, "microseconds": 775808}"#, "seconds"),
            (#"{"seconds": 9223372036855, "microseconds": 0}"#, "seconds"),
            (#"{"seconds": -1, "microseconds": 0}"#, "seconds"),
            (#"{"seconds": 1, "microseconds": 1000000}"#, "microseconds"),
            (#"{"seconds": 1, "microseconds": -1}"#, "microseconds"),
            (#"{"seconds": 1.5, "microseconds": 0}"#, "seconds"),
            (#"{"seconds": 1e300, "microseconds": 0}"#, "seconds"),
            (#"{"seconds": 18446744073709551616, "microseconds": 0}"#, "seconds"),
        ] as [(String, String?)])
    func eventTimestampsAreCheckedNotTrapped(timestamp: String, badField: String?) {
        var machine = readyMachine()
        let actions = machine.receive(bytes(#"{"event": "STOP", "timestamp": "# + timestamp + "}"))
        if let badField {
            guard case .close(let error) = actions.last else {
                Issue.record("\(timestamp): expected close, got \(actions)")
                return
            }
            #expect(error.code == .malformedInput)
            #expect(error.message.contains("QMP event STOP.timestamp.\(badField)"), "\(error.message)")
        } else {
            #expect(actions == [.event(QMPEvent(name: "STOP", timestampMicroseconds: .max))])
        }
    }

    @Test func oversizedMessageIsRejected() {
        var machine = readyMachine()
        let actions = machine.receive(
            [UInt8](repeating: UInt8(ascii: " "), count: QMPStateMachine.maximumMessageSize + 1))
        guard case .close(let error) = actions.last else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .malformedInput)
    }

    @Test func timeoutCompletesOnceAndLateReplyIsDiscarded() throws {
        var machine = readyMachine()
        let command = try machine.execute("query-status")
        #expect(
            machine.timedOut(id: command.id, after: "100 ms") == [
                .complete(
                    id: command.id, .failure(KataError(.timeout, "QMP query-status: no reply within 100 ms")))
            ])
        #expect(machine.timedOut(id: command.id, after: "100 ms") == [])
        let late = machine.receive(bytes(#"{"return": {}, "id": "\#(command.id)"}"#))
        guard case .discarded = late.first, late.count == 1 else {
            Issue.record("expected discarded, got \(late)")
            return
        }
        #expect(machine.state == .ready)
    }

    @Test func closedConnectionFailsPendingCommands() throws {
        var machine = readyMachine()
        let command = try machine.execute("quit")
        let error = KataError.qmpClosed("QEMU closed the socket")
        #expect(
            machine.connectionClosed(error) == [.complete(id: command.id, .failure(error)), .close(error)])
        #expect(machine.connectionClosed(error) == [])
    }

    @Test func capabilitiesErrorCloses() {
        var machine = QMPStateMachine()
        _ = machine.receive(Self.greeting)
        let actions = machine.receive(
            bytes(#"{"id": "qmp-capabilities", "error": {"class": "CommandNotFound", "desc": "no"}}"#))
        guard case .close(let error) = actions.last else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .remote)
    }
}
