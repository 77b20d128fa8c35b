/// `-chardev BACKEND,id=ID,...`: the host end of serial ports, vhost-user sockets and QMP.
public struct Chardev: QEMUArgumentConvertible, Equatable {
    public enum Backend: Sendable, Equatable {
        /// A unix socket. `server` makes QEMU listen; `wait: false` lets QEMU start without a client.
        case socket(path: String, server: Bool, wait: Bool)
        /// Everything the guest writes is appended to a file.
        case file(path: String)
        case null
    }

    public var id: String
    public var backend: Backend

    public init(id: String, backend: Backend) {
        self.id = id
        self.backend = backend
    }

    public var qemuArguments: [String] {
        var options: OptionString
        switch backend {
        case .socket(let path, let server, let wait):
            options = OptionString("socket")
            options.add("id", id)
            options.add("path", path)
            if server {
                options.add("server", true)
                options.add("wait", wait)
            }
        case .file(let path):
            options = OptionString("file")
            options.add("id", id)
            options.add("path", path)
        case .null:
            options = OptionString("null")
            options.add("id", id)
        }
        return ["-chardev", options.rendered]
    }
}

/// The QMP control socket: a listening unix-socket chardev with a control-mode monitor on it.
public struct QMPSocket: QEMUArgumentConvertible, Equatable {
    public var path: String
    public var chardevID: String

    public init(path: String, chardevID: String = "qmp") {
        self.path = path
        self.chardevID = chardevID
    }

    public var qemuArguments: [String] {
        var monitor = OptionString()
        monitor.add("chardev", chardevID)
        monitor.add("mode", "control")
        return Chardev(id: chardevID, backend: .socket(path: path, server: true, wait: false)).qemuArguments
            + ["-mon", monitor.rendered]
    }
}

/// The guest's first serial port (ttyS0) written to a file: the console log.
public struct SerialConsoleLog: QEMUArgumentConvertible, Equatable {
    public var path: String
    public var chardevID: String

    public init(path: String, chardevID: String = "console") {
        self.path = path
        self.chardevID = chardevID
    }

    public var qemuArguments: [String] {
        Chardev(id: chardevID, backend: .file(path: path)).qemuArguments
            + ["-serial", "chardev:\(chardevID)"]
    }
}
