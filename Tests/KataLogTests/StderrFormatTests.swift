import Foundation
import KataCore
import Logging
import Synchronization
import Testing

@testable import KataLog

@Suite struct StderrFormatTests {
    let epoch = LogfmtLine.Timestamp(secondsSinceEpoch: 1_700_000_000, milliseconds: 7)

    @Test func timestampIsUTCWithMilliseconds() {
        #expect(epoch.iso8601 == "2023-11-14T22:13:20.007Z")
        #expect(
            LogfmtLine.Timestamp(secondsSinceEpoch: 951_782_400, milliseconds: 999).iso8601
                == "2000-02-29T00:00:00.999Z")
    }

    @Test func nowIsCloseToSystemTime() {
        let now = LogfmtLine.Timestamp.now()
        #expect(abs(now.secondsSinceEpoch - Int(Date().timeIntervalSince1970)) <= 2)
        #expect((0..<1000).contains(now.milliseconds))
    }

    @Test func lineHasTimeLevelMessageAndSortedMetadata() {
        let line = LogfmtLine.format(
            time: epoch, level: .error, message: "QEMU exited",
            metadata: ["sandbox": "abc", "exit": .stringConvertible(1), "path": "/var/a b", "empty": ""])
        #expect(
            line == #"2023-11-14T22:13:20.007Z error QEMU exited empty="" exit=1 path="/var/a b" sandbox=abc"#
        )
    }

    @Test func lineStaysOnOneLine() {
        let line = LogfmtLine.format(
            time: epoch, level: .info, message: "two\nlines\\", metadata: ["q": "say \"hi\"\n", "k=v": "x"])
        #expect(line == #"2023-11-14T22:13:20.007Z info two\nlines\\ "k=v"=x q="say \"hi\"\n""#)
        #expect(!line.contains("\n"))
    }

    @Test func handlerMergesMetadataAndError() {
        let lines = Mutex<[String]>([])
        var handler = StderrLogHandler(
            label: "t", level: .debug, write: { line in lines.withLock { $0.append(line) } }, now: { epoch })
        handler.metadata = ["a": "1"]
        handler.log(
            event: LogEvent(
                level: .debug, message: "m", metadata: ["a": "2", "b": "3"], source: nil, file: "f",
                function: "g", line: 1))
        #expect(lines.withLock { $0 } == ["2023-11-14T22:13:20.007Z debug m a=2 b=3"])
    }

    @Test(arguments: [
        ("debug", Logger.Level.debug), ("INFO", .info), ("warn", .warning), ("Warning", .warning),
        ("error", .error), ("trace", .trace), ("notice", .notice), ("critical", .critical),
        ("fatal", .critical),
    ])
    func parsesLevelNames(text: String, level: Logger.Level) throws {
        #expect(try KataLogging.parseLevel(text) == level)
    }

    @Test(arguments: ["", "verbose", "warnings", " info"])
    func rejectsUnknownLevelNamingIt(text: String) {
        let error = #expect(throws: KataError.self) { try KataLogging.parseLevel(text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("\"\(text)\"") == true)
        #expect(error?.message.contains("warning") == true)
    }
}
