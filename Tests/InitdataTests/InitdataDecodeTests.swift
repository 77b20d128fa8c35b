import Firmware
import Foundation
import Initdata
import KataCore
import TestFixtures
import Testing

@Suite struct InitdataDecodeTests {
    @Test(arguments: ["sha256", "sha384", "sha512"])
    func digestIsTheChosenHashOfTheDecompressedBytes(_ algorithm: String) throws {
        let text = sampleInitdataDocument(algorithm: algorithm)
        let initdata = try Initdata(annotation: try InitdataTool.annotation(text))
        #expect(initdata.toml == Array(text.utf8))
        #expect(initdata.algorithm.rawValue == algorithm)
        #expect(hexString(initdata.digest) == (try InitdataTool.openssl(algorithm, Array(text.utf8))))
        #expect(initdata.gzip == (try InitdataTool.gzip(text)))
    }

    /// host-data takes 32 bytes and mrconfigid 48: a longer digest is cut, a shorter one padded.
    @Test(arguments: ["sha256", "sha384", "sha512"])
    func fittedDigestIsCutOrZeroPadded(_ algorithm: String) throws {
        let text = sampleInitdataDocument(algorithm: algorithm)
        let initdata = try Initdata(annotation: try InitdataTool.annotation(text))
        let hex = try InitdataTool.openssl(algorithm, Array(text.utf8))
        let expected32 = String((hex + String(repeating: "0", count: 64)).prefix(64))
        let expected48 = String((hex + String(repeating: "0", count: 96)).prefix(96))
        #expect(hexString(initdata.digest(fittedTo: 32)) == expected32)
        #expect(hexString(initdata.digest(fittedTo: 48)) == expected48)
    }

    @Test func entriesKeepTheirOrderAndExactContents() throws {
        let initdata = try Initdata(annotation: try InitdataTool.annotation(sampleInitdataDocument()))
        let entries = initdata.document.entries
        #expect(entries.map(\.name) == ["aa.toml", "cdh.toml", "policy.rego"])
        #expect(
            entries[0].contents == "[token_configs]\n[token_configs.kbs]\nurl = \"http://127.0.0.1:8080\"\n")
        #expect(entries[1].contents.hasPrefix("socket = 'unix:///run/"))
        #expect(entries[2].contents == "package agent_policy\ndefault AllowRequestsFailingPolicy := true\n")
    }

    /// The TOML forms the subset accepts, each with what it means.
    @Test func stringFormsAndEscapes() throws {
        let text = #"""
            version = '0.1.0'   # literal string, trailing comment
            "algorithm" = "sha384"
            [ data ]
            bare-key_1 = "tab\there \u00e9 \U0001F600 quote\" backslash\\"
            'literal key' = 'C:\no\escapes'
            trimmed = """\
                  one \
                  line"""
            quotes = """two ""quotes"" then end"""""
            crlf = "x"

            """# + "\r\nlast = 'y'\r\n"
        let initdata = try Initdata(gzip: try InitdataTool.gzip(text), origin: "test")
        let values = Dictionary(
            uniqueKeysWithValues: initdata.document.entries.map { ($0.name, $0.contents) })
        #expect(values["bare-key_1"] == "tab\there \u{e9} \u{1F600} quote\" backslash\\")
        #expect(values["literal key"] == #"C:\no\escapes"#)
        #expect(values["trimmed"] == "one line")
        #expect(values["quotes"] == #"two ""quotes"" then end"""#)
        #expect(values["last"] == "y")
        #expect(initdata.algorithm == .sha384)
    }

    /// Every kind of bad annotation, each refused with the annotation's name and the problem.
    static let bad: [(name: String, value: @Sendable () throws -> String, problem: String)] = [
        ("not base64", { "H4sI not base64!" }, "not standard base64"),
        (
            "base64 with a line break", { try InitdataTool.annotation(sampleInitdataDocument()) + "\n" },
            "not standard base64"
        ),
        ("not gzip", { Base64.encode(Array(sampleInitdataDocument().utf8)) }, "not gzip"),
        (
            "truncated gzip",
            { Base64.encode(Array(try InitdataTool.gzip(sampleInitdataDocument()).dropLast(12))) },
            "truncated"
        ),
        (
            "bytes after the gzip member",
            { Base64.encode(try InitdataTool.gzip(sampleInitdataDocument()) + [0x1f]) }, "follow the gzip"
        ),
        (
            "corrupt deflate",
            {
                Base64.encode(
                    Array(try InitdataTool.gzip(sampleInitdataDocument()).prefix(10)) + [
                        0xff, 0xff, 0xff, 0xff,
                    ])
            }, "not valid gzip"
        ),
        ("not TOML", { try InitdataTool.annotation("version = \"0.1.0\"\nthis is not toml\n") }, "line 2"),
        (
            "not UTF-8", { Base64.encode(try InitdataTool.gzip([0x76, 0x3d, 0x22, 0xff, 0x22, 0x0a])) },
            "not valid UTF-8"
        ),
        (
            "unknown version",
            { try InitdataTool.annotation("version = \"0.2.0\"\nalgorithm = \"sha256\"\n") },
            "unknown version '0.2.0'"
        ),
        ("no version", { try InitdataTool.annotation("algorithm = \"sha256\"\n") }, "no version"),
        (
            "unknown algorithm",
            { try InitdataTool.annotation("version = \"0.1.0\"\nalgorithm = \"md5\"\n") },
            "unknown algorithm 'md5'"
        ),
        ("no algorithm", { try InitdataTool.annotation("version = \"0.1.0\"\n") }, "no algorithm"),
        (
            "integer data entry", { try InitdataTool.annotation(sampleInitdataDocument(extra: "count = 3")) },
            "data entry 'count' is not a string"
        ),
        (
            "boolean data entry", { try InitdataTool.annotation(sampleInitdataDocument(extra: "on = true")) },
            "data entry 'on' is not a string"
        ),
        (
            "array data entry",
            { try InitdataTool.annotation(sampleInitdataDocument(extra: "list = [\"a\"]")) },
            "data entry 'list' is not a string"
        ),
        (
            "inline table entry",
            { try InitdataTool.annotation(sampleInitdataDocument(extra: "t = { a = \"b\" }")) },
            "data entry 't' is not a string"
        ),
        (
            "other table", { try InitdataTool.annotation(sampleInitdataDocument(extra: "[other]")) },
            "table [other]"
        ),
        (
            "dotted key", { try InitdataTool.annotation(sampleInitdataDocument(extra: "a.b = \"c\"")) },
            "dotted keys"
        ),
        (
            "duplicate entry",
            { try InitdataTool.annotation(sampleInitdataDocument(extra: "\"aa.toml\" = \"again\"")) },
            "defined twice"
        ),
        (
            "entry name with a slash",
            { try InitdataTool.annotation(sampleInitdataDocument(extra: "\"../etc/passwd\" = \"x\"")) },
            "contains '/'"
        ),
        (
            "entry named ..",
            { try InitdataTool.annotation(sampleInitdataDocument(extra: "\"..\" = \"x\"")) }, "is '..'"
        ),
        (
            "entry named like the document",
            { try InitdataTool.annotation(sampleInitdataDocument(extra: "\"initdata.toml\" = \"x\"")) },
            "own file name"
        ),
        (
            "unknown top-level key",
            { try InitdataTool.annotation("version = \"0.1.0\"\nalgorithm = \"sha256\"\nextra = \"x\"\n") },
            "unknown top-level key 'extra'"
        ),
        ("unterminated string", { try InitdataTool.annotation("version = \"0.1.0\n") }, "line 1"),
        ("bad escape", { try InitdataTool.annotation("version = \"0.1\\q\"\n") }, "unknown escape"),
        (
            "surrogate escape", { try InitdataTool.annotation("version = \"\\uD800\"\n") },
            "not a Unicode scalar"
        ),
        (
            "control character", { try InitdataTool.annotation("version = \"0.1.0\u{1}\"\n") },
            "control character"
        ),
        (
            "decompressed over 1 MiB",
            { Base64.encode(try InitdataTool.gzip([UInt8](repeating: 0x20, count: (1 << 20) + 1))) },
            "larger than 1048576"
        ),
        (
            "gzip over 1 MiB", { String(repeating: "A", count: 1_398_104) },
            "1048578 bytes of gzip; at most 1048576"
        ),
        (
            "annotation too long", { String(repeating: "A", count: 1_398_108) },
            "more than the 1048576 bytes of gzip"
        ),
    ]

    @Test(arguments: 0..<bad.count)
    func badAnnotationIsRefusedNamingTheAnnotationAndTheProblem(_ index: Int) throws {
        let item = Self.bad[index]
        let value = try item.value()
        let error = try #require(throws: KataError.self, "\(item.name) was accepted") {
            try Initdata(annotation: value)
        }
        #expect(error.code == .invalidConfig)
        #expect(
            error.message.hasPrefix("annotation io.katacontainers.config.hypervisor.cc_init_data: "),
            "\(error)")
        #expect(error.message.contains(item.problem), "\(item.name): \(error.message)")
    }

    /// A gzip bomb (256 MiB of zeros in ~250 KiB) stops at the limit instead of filling memory.
    @Test func gzipBombStopsAtTheLimit() throws {
        let bomb = try InitdataTool.run(
            ["/bin/sh", "-c", "head -c 268435456 /dev/zero | gzip -c -9"], input: [])
        #expect(bomb.count < Initdata.maximumSize)
        let started = ContinuousClock.now
        let error = try #require(throws: KataError.self) { try Initdata(gzip: bomb, origin: "bomb") }
        #expect(error.message.contains("larger than 1048576"), "\(error)")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// The same document read as the host does (annotation) and as the guest does (disk
    /// gzip bytes): one digest.
    @Test func hostAndGuestReadTheSameDigest() throws {
        let text = sampleInitdataDocument(algorithm: "sha384")
        let host = try Initdata(annotation: try InitdataTool.annotation(text))
        let guest = try Initdata(gzip: host.gzip, origin: "initdata disk /dev/vda")
        #expect(host == guest)
    }
}
