import Foundation

/// gzip, base64 and openssl as subprocesses: the test inputs and the expected digests come
/// from tools independent of the code under test.
package enum InitdataTool {
    package static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // Written from another thread: a large input would otherwise fill the pipe both ways.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailure("\(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return Array(output)
    }

    package static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        try run(["/bin/gzip", "-c", "-n"], input: bytes)
    }

    package static func gzip(_ text: String) throws -> [UInt8] { try gzip(Array(text.utf8)) }

    /// `base64 -w0` of gzip of `text`: what a pod author puts in the annotation.
    package static func annotation(_ text: String) throws -> String {
        String(decoding: try run(["/usr/bin/base64", "-w0"], input: try gzip(text)), as: UTF8.self)
    }

    /// `openssl dgst -<algorithm>` of the bytes, as hex.
    package static func openssl(_ algorithm: String, _ bytes: [UInt8]) throws -> String {
        let line = String(
            decoding: try run(["/usr/bin/openssl", "dgst", "-\(algorithm)", "-r"], input: bytes),
            as: UTF8.self)
        return String(line.prefix { $0 != " " })
    }
}

package struct ToolFailure: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// A document in upstream's shape.
package func sampleInitdataDocument(algorithm: String = "sha256", extra: String = "") -> String {
    """
    # initdata for one pod
    version = "0.1.0"
    algorithm = "\(algorithm)"

    [data]
    "aa.toml" = '''
    [token_configs]
    [token_configs.kbs]
    url = "http://127.0.0.1:8080"
    '''
    "cdh.toml" = \"\"\"
    socket = 'unix:///run/confidential-containers/cdh.sock'
    [kbc]
    name = "cc_kbc"
    \"\"\"
    "policy.rego" = "package agent_policy\\ndefault AllowRequestsFailingPolicy := true\\n"
    \(extra)
    """
}
