import Firmware
import Foundation
import KataCore
import TestFixtures
import Testing

/// PE/COFF Authenticode against three independent calculations: the digest Debian signed into
/// its kernel (and osslsigncode's recomputation of it), osslsigncode's SHA-384 of images it
/// signs, and the edk2-rule Python implementation over pefile's header parse
/// (Fixtures/tdx_reference.py), which also covers layouts osslsigncode hashes differently
/// (gaps between sections, sections out of header order).
@Suite struct AuthenticodeTests {
    static let randomImages = 40

    func digest(_ path: String, _ algorithm: DigestAlgorithm) throws -> String {
        hexString(try PEImage.authenticode(try PatchedFile(try FileReader(path: path)), algorithm))
    }

    @Test func debianKernelMatchesTheDigestDebianSigned() throws {
        try #require(FileManager.default.fileExists(atPath: TestSupport.debianKernel), "run `make kernel`")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let verify = try osslsigncode(["verify", "-in", TestSupport.debianKernel], in: directory)
        let signed = try #require(field("Current message digest", in: verify), "\(verify)")
        #expect(try digest(TestSupport.debianKernel, .sha256) == signed.lowercased())
        #expect(field("Calculated message digest", in: verify)?.lowercased() == signed.lowercased())
    }

    @Test func signedImagesMatchOsslsigncodeSHA384() throws {
        try #require(FileManager.default.fileExists(atPath: TestSupport.debianKernel), "run `make kernel`")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        let request = try TestSupport.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days",
                "1",
                "-subj", "/CN=kata-swift test",
            ], in: directory)
        try #require(request.status == 0, "openssl req: \(request.error)")
        var random = SeededGenerator(state: UInt64.random(in: 0...UInt64.max))
        var inputs = [TestSupport.debianKernel]
        for index in 0..<4 {
            // osslsigncode hashes the file linearly, so these keep sections back to back.
            var builder = PEImageBuilder.bzImage(size: 0x2000 + 0x1000 * index)
            builder.pe32Plus = index % 2 == 0
            let noise = (0..<builder.fileSize).map { _ in UInt8.random(in: 0...255, using: &random) }
            let path = directory.appendingPathComponent("image\(index).efi").path
            FileManager.default.createFile(atPath: path, contents: Data(builder.build { noise[$0] }))
            inputs.append(path)
        }
        for (index, input) in inputs.enumerated() {
            let output = directory.appendingPathComponent("signed\(index).efi").path
            let sign = try osslsigncode(
                ["sign", "-h", "sha384", "-certs", certificate, "-key", key, "-in", input, "-out", output],
                in: directory)
            try #require(sign.contains("Succeeded"), "\(sign)")
            let verify = try osslsigncode(["verify", "-in", output], in: directory)
            let calculated = try #require(field("Calculated message digest", in: verify), "\(verify)")
            #expect(try digest(output, .sha384) == calculated.lowercased(), "\(input)")
        }
    }

    @Test func matchesTheEdk2RuleReference() throws {
        try #require(FileManager.default.fileExists(atPath: TestSupport.debianKernel), "run `make kernel`")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededGenerator(state: seed)
        var paths = [TestSupport.debianKernel]
        for index in 0..<Self.randomImages {
            let path = directory.appendingPathComponent("pe\(index).efi").path
            FileManager.default.createFile(atPath: path, contents: Data(Self.randomImage(using: &random)))
            paths.append(path)
        }
        let reference = try TestSupport.tdxReference(["authenticode"] + paths, in: directory)
        try #require(reference.count == paths.count)
        for (path, expected) in zip(paths, reference) {
            #expect(try digest(path, .sha384) == expected["sha384"] as? String, "seed \(seed): \(path)")
            #expect(try digest(path, .sha256) == expected["sha256"] as? String, "seed \(seed): \(path)")
        }
    }

    @Test func unmeasurableImagesAreRefusedNamingTheFile() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var outside = PEImageBuilder.bzImage(size: 0x2000)
        outside.sections.append(.init(name: ".bad", offset: 0x1f00, size: 0x200))
        var magic = PEImageBuilder.bzImage(size: 0x2000).build()
        magic[0x80 + 24] = 0x07
        var headers = PEImageBuilder.bzImage(size: 0x2000)
        headers.sizeOfHeaders = 0x100
        // Data past the sections, but fewer bytes than the certificate table claims.
        var certificate = PEImageBuilder.bzImage(size: 0x2000)
        certificate.fileSize = 0x2100
        certificate.certificateSize = 0x1e00
        for (name, bytes, reason) in [
            ("outside", outside.build(), "lies outside the 8192-byte file"),
            ("magic", magic, "neither PE32 nor PE32+"),
            ("headers", headers.build(), "does not cover the optional header"),
            ("certificate", certificate.build(), "overlaps"),
            ("short", [UInt8](repeating: 0, count: 0x30), "shorter than a DOS header"),
        ] {
            let path = directory.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let error = try #require(throws: KataError.self) { try digest(path, .sha384) }
            #expect(error.message.contains(path) && error.message.contains(reason), "\(error.message)")
        }
    }

    /// PE32 or PE32+, 0-6 sections in shuffled header order, gaps, zero-sized sections,
    /// trailing data, sometimes a certificate table, sometimes no certificate directory entry.
    static func randomImage(using random: inout SeededGenerator) -> [UInt8] {
        var builder = PEImageBuilder()
        builder.pe32Plus = Bool.random(using: &random)
        builder.directories = [2, 4, 5, 6, 16].randomElement(using: &random)!
        builder.bootProtocol = 0
        builder.peOffset = [0x40, 0x80].randomElement(using: &random)!
        let tableEnd =
            builder.peOffset + 24 + (builder.pe32Plus ? 112 : 96) + 8 * builder.directories + 40 * 6
        builder.sizeOfHeaders = (tableEnd + 0x1ff) & ~0x1ff + Int.random(in: 0...2, using: &random) * 0x200
        var offset = builder.sizeOfHeaders
        for index in 0..<Int.random(in: 0...6, using: &random) {
            offset += Int.random(in: 0...2, using: &random) * 0x100  // gaps
            let size = Bool.random(using: &random) ? Int.random(in: 1...8, using: &random) * 0x100 : 0
            builder.sections.append(.init(name: ".s\(index)", offset: offset, size: size))
            offset += size
        }
        builder.sections.shuffle(using: &random)
        let trailing = Int.random(in: 0...3, using: &random) * 0x80
        let certificate = builder.directories > 4 && Bool.random(using: &random) ? 0x100 : 0
        builder.certificateSize = certificate
        builder.fileSize = offset + trailing + certificate
        let noise = (0..<builder.fileSize).map { _ in UInt8.random(in: 0...255, using: &random) }
        return builder.build { noise[$0] }
    }

    private func osslsigncode(_ arguments: [String], in directory: URL) throws -> String {
        let run = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/osslsigncode"), arguments, in: directory)
        return run.output + run.error
    }

    /// The hex after "NAME :" on osslsigncode's output.
    private func field(_ name: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(name) {
            return line.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
