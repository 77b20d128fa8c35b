import Foundation
import KataCore
import LocalHTTP
import Runtime
import Testing

@testable import Shim

/// The management socket's routes, served for real on a unix socket and read with curl.
struct ShimMonitorTests {
    /// Waits for curl without blocking a concurrency thread: `/metrics` answers on that pool, which
    /// other suites' synchronous subprocess waits can hold for seconds in the parallel run.
    static func get(_ socket: String, _ path: String) async throws -> (status: Int, body: String) {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-s", "-m", "60", "-w", "\n%{http_code}", "--unix-socket", socket, "http://localhost" + path,
        ]
        let output = Pipe()
        curl.standardOutput = output
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            curl.terminationHandler = { _ in done.resume() }
            do { try curl.run() } catch { done.resume() }
        }
        // The replies are small: they fit in the pipe while curl runs.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: "\n").last ?? "") ?? -1
        return (status, String(text.dropLast(String(status).count + 1)))
    }

    @Test func measurementRouteServesTheExpectedMeasurementAsJSON() async throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent(
            "monitor-\(UUID().uuidString.prefix(8)).sock"
        ).path
        let expected = ExpectedMeasurement(
            mode: .snp, algorithm: "sha384", measurement: String(repeating: "ab", count: 48),
            inputs: [MeasuredInput(name: "vcpus", value: "2")])
        let monitor = try await ShimMonitor.start(
            socketPath: socket,
            routes: [
                "/metrics": .prometheus { "kata_test 1\n" }, "/measurement": .measurement(expected),
                "/agent-url": .agentURL(.virtioSerial(socketPath: "/run/vc/sbs/x/vm/agent.sock")),
            ])
        defer { Task { await monitor.stop() } }

        let measured = try await Self.get(socket, "/measurement")
        #expect(measured.status == 200)
        let decoded = try JSONDecoder().decode(ExpectedMeasurement.self, from: Data(measured.body.utf8))
        #expect(decoded == expected)
        #expect(measured.body.contains("\"measurement\" : \"abab"))

        #expect(try await Self.get(socket, "/metrics") == (200, "kata_test 1\n"))
        #expect(try await Self.get(socket, "/nothing-here").status == 404)
        #expect(try await Self.get(socket, "/agent-url") == (200, "unix:///run/vc/sbs/x/vm/agent.sock"))
    }

    @Test func plainSandboxHasNoMeasurement() async throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent(
            "monitor-\(UUID().uuidString.prefix(8)).sock"
        ).path
        let monitor = try await ShimMonitor.start(
            socketPath: socket, routes: ["/measurement": .measurement(nil)])
        defer { Task { await monitor.stop() } }
        let reply = try await Self.get(socket, "/measurement")
        #expect(reply.status == 404)
        #expect(reply.body.contains("not a confidential guest"))
    }
}
