import KataCore

/// What QEMU announces when a client connects: `{"QMP": {"version": ..., "capabilities": [...]}}`.
public struct QMPGreeting: Sendable, Equatable {
    public var version: QMPVersion
    public var capabilities: [String]

    init(_ object: JSONObject) throws {
        let qmp = try object.required("QMP", in: "QMP greeting").objectValue("QMP greeting.QMP")
        version = try QMPVersion(
            try qmp.required("version", in: "QMP greeting").objectValue("QMP greeting.version"))
        capabilities = try qmp.required("capabilities", in: "QMP greeting").arrayValue(
            "QMP greeting.capabilities"
        )
        .map { try $0.stringValue("QMP greeting.capabilities[]") }
    }
}

/// QEMU's version, from the greeting or `query-version`.
public struct QMPVersion: Sendable, Equatable {
    public var major: Int
    public var minor: Int
    public var micro: Int
    /// Distribution package string, e.g. "Debian 1:7.2+dfsg-7+deb12u18".
    public var package: String

    init(_ object: JSONObject) throws {
        let qemu = try object.required("qemu", in: "version").objectValue("version.qemu")
        major = Int(try qemu.int("major", in: "version.qemu"))
        minor = Int(try qemu.int("minor", in: "version.qemu"))
        micro = Int(try qemu.int("micro", in: "version.qemu"))
        package = try object.optionalString("package", in: "version") ?? ""
    }
}

/// An asynchronous QMP event such as SHUTDOWN, STOP, RESUME, DEVICE_DELETED or GUEST_PANICKED.
public struct QMPEvent: Sendable, Equatable {
    public var name: String
    public var data: JSONObject
    /// QEMU's timestamp in microseconds since the epoch.
    public var timestampMicroseconds: Int64

    public init(name: String, data: JSONObject = JSONObject(), timestampMicroseconds: Int64 = 0) {
        self.name = name
        self.data = data
        self.timestampMicroseconds = timestampMicroseconds
    }

    init(_ object: JSONObject) throws {
        name = try object.string("event", in: "QMP event")
        data = try object["data"]?.objectValue("QMP event \(name).data") ?? JSONObject()
        let context = "QMP event \(name).timestamp"
        if let timestamp = try object["timestamp"]?.objectValue(context) {
            timestampMicroseconds = try Self.microseconds(timestamp, context: context)
        } else {
            timestampMicroseconds = 0
        }
    }

    /// `{"seconds": S, "microseconds": U}` as microseconds since the epoch. The fields come from
    /// the socket: a fraction, a negative time or one beyond Int64 microseconds is malformed.
    static func microseconds(_ timestamp: JSONObject, context: String) throws -> Int64 {
        let seconds = try timestamp.int("seconds", in: context)
        let microseconds = try timestamp.int("microseconds", in: context)
        guard (0..<1_000_000).contains(microseconds) else {
            throw KataError(.malformedInput, "\(context).microseconds: \(microseconds) is outside 0...999999")
        }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        let (total, carry) = scaled.addingReportingOverflow(microseconds)
        guard seconds >= 0, !overflow, !carry else {
            throw KataError(
                .malformedInput,
                "\(context).seconds: \(seconds) (plus \(microseconds) microseconds) is not a time that fits in "
                    + "64-bit microseconds since 1970")
        }
        return total
    }
}

extension KataError {
    /// The connection is gone; every command still waiting gets this.
    static func qmpClosed(_ why: String) -> KataError {
        KataError(.failedPrecondition, "QMP connection closed: \(why)")
    }
}
