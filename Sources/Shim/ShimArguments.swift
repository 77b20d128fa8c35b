import Foundation
import KataCore

/// The command line containerd gives a v2 shim, parsed as Go's `flag` package does (single or
/// double dash, `-name value` or `-name=value`, flags before the action):
///   containerd-shim-kata-v2 -namespace NS -address SOCK -publish-binary BIN -id ID [-bundle DIR] [-debug] [start|delete]
/// No action means: serve the task API.
public struct ShimArguments: Sendable, Equatable {
    public enum Action: String, Sendable { case serve, start, delete }

    public var namespace = ""
    public var address = ""
    public var publishBinary = ""
    public var id = ""
    public var bundle = ""
    public var socket = ""
    public var debug = false
    public var action: Action = .serve

    public init() {}

    static let valueFlags: Set<String> = ["namespace", "address", "publish-binary", "id", "bundle", "socket"]
    static let boolFlags: Set<String> = ["debug", "v"]

    public static func parse(_ argv: [String]) throws -> ShimArguments {
        var parsed = ShimArguments()
        var index = 0
        func fail(_ message: String) -> KataError {
            KataError(.invalidArgument, "shim arguments: \(message)")
        }
        while index < argv.count, argv[index].hasPrefix("-"), argv[index] != "-", argv[index] != "--" {
            var flag = String(argv[index].drop(while: { $0 == "-" }))
            var value: String?
            if let equals = flag.firstIndex(of: "=") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            }
            index += 1
            if boolFlags.contains(flag) {
                let text = value ?? "true"
                guard let on = Bool(text) ?? (text == "1" ? true : text == "0" ? false : nil) else {
                    throw fail("-\(flag): not a boolean: \(text)")
                }
                if flag == "debug" { parsed.debug = on }
                continue
            }
            guard valueFlags.contains(flag) else { throw fail("unknown flag -\(flag)") }
            if value == nil {
                guard index < argv.count else { throw fail("-\(flag) needs a value") }
                value = argv[index]
                index += 1
            }
            switch flag {
            case "namespace": parsed.namespace = value!
            case "address": parsed.address = value!
            case "publish-binary": parsed.publishBinary = value!
            case "id": parsed.id = value!
            case "bundle": parsed.bundle = value!
            default: parsed.socket = value!
            }
        }
        if index < argv.count, argv[index] == "--" { index += 1 }
        let rest = argv[index...]
        if let word = rest.first {
            guard let action = Action(rawValue: word), action != .serve else {
                throw fail("unknown action \"\(word)\" (expected start or delete)")
            }
            guard rest.count == 1 else {
                throw fail("unexpected arguments after \(word): \(rest.dropFirst())")
            }
            parsed.action = action
        }
        guard !parsed.namespace.isEmpty else { throw fail("-namespace is required") }
        guard !parsed.id.isEmpty else { throw fail("-id is required") }
        // The id names the state directory `delete` removes and the VM; the namespace goes
        // into the socket name. containerd applies the same rule to both.
        do {
            try Identifier.validate(parsed.id, field: "-id")
            try Identifier.validate(parsed.namespace, field: "-namespace")
        } catch let error as KataError {
            throw fail(error.message)
        }
        if !parsed.bundle.isEmpty {
            if let problem = BundlePath.problem(parsed.bundle) { throw fail("-bundle \(problem)") }
        }
        return parsed
    }
}

extension ShimArguments {
    /// `-bundle`, or the working directory containerd starts `start` in (checked like `-bundle`).
    func bundleDirectory() throws -> String {
        let bundle = bundle.isEmpty ? FileManager.default.currentDirectoryPath : bundle
        if let problem = BundlePath.problem(bundle) {
            throw KataError(.invalidArgument, "bundle directory \(problem)")
        }
        return bundle
    }
}
