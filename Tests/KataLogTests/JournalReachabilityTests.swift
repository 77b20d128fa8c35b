import Foundation
import Testing

@testable import KataLog

@Suite struct JournalReachabilityTests {
    @Test func listeningDatagramSocketIsReachable() throws {
        let directory = "/tmp/kl-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/journal.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var isOpen = true
        defer { if isOpen { close(fd) } }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        #expect(KataLogging.journalReachable(socketPath: path))

        // The socket file without a listener (closed socket) is not reachable.
        close(fd)
        isOpen = false
        #expect(!KataLogging.journalReachable(socketPath: path))
    }

    @Test func missingOrRegularFileIsNotReachable() throws {
        let path = "/tmp/kl-\(UUID().uuidString.prefix(8)).sock"
        #expect(!KataLogging.journalReachable(socketPath: path))
        FileManager.default.createFile(atPath: path, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(!KataLogging.journalReachable(socketPath: path))
        #expect(!KataLogging.journalReachable(socketPath: "/tmp/" + String(repeating: "x", count: 200)))
    }

    @Test func handlerFactoryFollowsDestination() {
        let journal = KataLogging.makeHandler(
            label: "a", level: .debug, identifier: "kata", destination: .journal)
        let stderr = KataLogging.makeHandler(
            label: "a", level: .error, identifier: "kata", destination: .stderr)
        #expect(journal is JournalLogHandler)
        #expect(journal.logLevel == .debug)
        #expect(stderr is StderrLogHandler)
        #expect(stderr.logLevel == .error)
    }
}
