import Logging
import Synchronization
import Testing

@testable import KataLog

@Suite struct JournalFieldsTests {
    @Test(arguments: [
        ("sandbox", "SANDBOX"),
        ("container-id", "CONTAINER_ID"),
        ("io.katacontainers.pkg", "IO_KATACONTAINERS_PKG"),
        ("_hidden", "HIDDEN"),
        ("__1x", "X"),
        ("9lives", "LIVES"),
        ("vCPU2", "VCPU2"),
        ("größe", "GR__E"),
        ("message", "META_MESSAGE"),
        ("priority", "META_PRIORITY"),
    ])
    func sanitisesMetadataKeys(key: String, field: String) {
        #expect(JournalFields.fieldName(for: key) == field)
    }

    @Test func dropsKeysWithNothingUsable() {
        #expect(JournalFields.fieldName(for: "") == nil)
        #expect(JournalFields.fieldName(for: "___") == nil)
        #expect(JournalFields.fieldName(for: "123") == nil)
    }

    @Test func limitsNamesTo64Characters() {
        let name = JournalFields.fieldName(for: String(repeating: "a", count: 100))
        #expect(name == String(repeating: "A", count: 64))
    }

    @Test func entryHasFixedFieldsThenSortedMetadata() {
        let fields = JournalFields.entry(
            identifier: "kata", label: "runtime", level: .warning, message: "VM slow\nsecond line",
            metadata: ["sandbox": "abc", "_trusted": "x", "container-id": .stringConvertible(42)],
            source: "QEMU", file: "QEMU/Launch.swift", function: "start()", line: 17)
        #expect(
            fields == [
                "MESSAGE=VM slow\nsecond line", "PRIORITY=4", "SYSLOG_IDENTIFIER=kata", "LOGGER=runtime",
                "SOURCE=QEMU", "CODE_FILE=QEMU/Launch.swift", "CODE_LINE=17", "CODE_FUNC=start()",
                "CONTAINER_ID=42", "SANDBOX=abc", "TRUSTED=x",
            ])
    }

    @Test func priorityFollowsSyslogLevels() {
        let expected: [Logger.Level: Int] = [
            .trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3, .critical: 2,
        ]
        for (level, priority) in expected { #expect(KataLogging.syslogPriority(level) == priority) }
    }

    @Test func refusedJournalEntryGoesToFallback() {
        let lines = Mutex<[String]>([])
        let sent = Mutex<[[String]]>([])
        let fallback = StderrLogHandler(
            label: "t", write: { line in lines.withLock { $0.append(line) } },
            now: { LogfmtLine.Timestamp(secondsSinceEpoch: 0, milliseconds: 0) })
        var handler = JournalLogHandler(
            label: "t",
            send: { fields in
                sent.withLock { $0.append(fields) }
                return -111  // ECONNREFUSED
            }, fallback: fallback)
        handler[metadataKey: "sandbox"] = "s1"
        let logger = Logger(label: "t", factory: { _ in handler })
        logger.info("hello", metadata: ["vm": "q"])
        logger.debug("filtered out at info level")
        #expect(sent.withLock { $0.count } == 1)
        #expect(sent.withLock { $0.first?.contains("SANDBOX=s1") } == true)
        #expect(lines.withLock { $0 } == ["1970-01-01T00:00:00.000Z info hello sandbox=s1 vm=q"])
    }

    /// Sends one real entry through libsystemd. Where journald runs it accepts the entry;
    /// where it does not (this build machine), libsystemd drops it and still returns 0, which
    /// is why `bootstrap` tests the socket itself before choosing the journal.
    @Test func realJournalSendSucceedsOrIsDroppedSilently() {
        let result = JournalLogHandler.sendToJournal([
            "MESSAGE=kata-swift KataLogTests probe", "PRIORITY=7", "SYSLOG_IDENTIFIER=kata-test",
        ])
        #expect(result == 0, "reachable: \(KataLogging.journalReachable())")
    }
}
