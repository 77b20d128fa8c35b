// Measures ttrpc round trips over a unix socket: sequential calls, then concurrent callers.
// Prints calls/s and latency percentiles; not a test, so it gates nothing.
import Foundation
import SwiftProtobuf
import TTRPC

let echo = TTRPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>("bench.Echo", "Echo")
let callCount = 10_000
let concurrentCallers = 16

/// Runs `count` calls split over `callers` tasks; returns each call's latency and the wall time.
func run(_ client: TTRPCClient, count: Int, callers: Int) async throws -> (
    latencies: [Duration], wall: Duration
) {
    let clock = ContinuousClock()
    let start = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for caller in 0..<callers {
            group.addTask {
                var mine: [Duration] = []
                let share = count / callers + (caller < count % callers ? 1 : 0)
                mine.reserveCapacity(share)
                for _ in 0..<share {
                    let callStart = clock.now
                    _ = try await client.call(echo, Google_Protobuf_StringValue("ping"))
                    mine.append(clock.now - callStart)
                }
                return mine
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
    return (latencies, clock.now - start)
}

func report(_ label: String, _ result: (latencies: [Duration], wall: Duration)) {
    let sorted = result.latencies.sorted()
    func percentile(_ p: Double) -> String {
        let index = min(sorted.count - 1, Int(Double(sorted.count) * p))
        let micros =
            Double(sorted[index].components.attoseconds) / 1e12 + Double(sorted[index].components.seconds)
            * 1e6
        return String(format: "%.1f µs", micros)
    }
    let seconds = Double(result.wall.components.seconds) + Double(result.wall.components.attoseconds) / 1e18
    let rate = Double(sorted.count) / seconds
    print(
        "\(label): \(sorted.count) calls in \(String(format: "%.2f", seconds)) s = "
            + "\(String(format: "%.0f", rate)) calls/s, p50 \(percentile(0.50)), p99 \(percentile(0.99))")
}

var services = TTRPCServices()
services.register(echo) { request, _ in request }
let server = TTRPCServer(services: services)
let path = "/tmp/ttrpc-bench-\(getpid()).sock"
let listener = try await server.listen(on: .unixSocket(path: path))
let client = try await TTRPCClient.connect(to: .unixSocket(path: path))
do {
    _ = try await run(client, count: 500, callers: 1)  // warm-up
    report("sequential", try await run(client, count: callCount, callers: 1))
    report(
        "\(concurrentCallers) concurrent callers",
        try await run(client, count: callCount, callers: concurrentCallers))
} catch {
    print("ttrpc-bench: \(error)")
}
await client.close()
await listener.close()
await server.shutdown()
