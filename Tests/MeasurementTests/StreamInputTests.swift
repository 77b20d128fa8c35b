import Firmware
import Foundation
import KataRuntimeCLI
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kata-runtime measure` takes what sev-snp-measure takes as an input file: character devices
/// such as /dev/null, and pipes (`<(...)`, /dev/fd/N, FIFOs), read to their end with no size up
/// front. Digests are checked against sev-snp-measure run on the same bytes.
@Suite struct StreamInputTests {
    /// Writes `bytes` into a fresh pipe from another thread; the read end is /dev/fd/N of this process.
    final class PipeFeed {
        let readEnd: Int32
        let thread: Thread

        init(_ bytes: [UInt8]) throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
            readEnd = ends[0]
            let writeEnd = ends[1]
            thread = Thread {
                bytes.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        let wrote = write(writeEnd, raw.baseAddress! + done, raw.count - done)
                        if wrote <= 0 { break }
                        done += wrote
                    }
                }
                close(writeEnd)
            }
            thread.start()
        }

        var path: String { "/dev/fd/\(readEnd)" }
        deinit { close(readEnd) }
    }

    /// Creates a FIFO in `directory` and writes `bytes` into it once a reader opens it.
    static func fifo(_ bytes: [UInt8], named name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        Thread {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            bytes.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let wrote = write(fd, raw.baseAddress! + done, raw.count - done)
                    if wrote <= 0 { break }
                    done += wrote
                }
            }
            close(fd)
        }.start()
        return path
    }

    static func sevSnpMeasure(_ arguments: [String], in directory: URL) throws -> String {
        let tool = TestSupport.venvPython.deletingLastPathComponent().appendingPathComponent(
            "sev-snp-measure")
        let result = try TestSupport.run(tool, arguments, in: directory)
        #expect(result.status == 0, "sev-snp-measure \(arguments): \(result.error)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func devNullKernelAndInitrdMatchTheReference() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: TestSupport.venvPython.path),
            "sev-snp-measure venv missing: run `make measure-venv`")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [
            [
                "--mode", "sev", "--ovmf", TestSupport.ovmfSuffix, "--kernel", "/dev/null", "--initrd",
                "/dev/null",
            ],
            [
                "--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", TestSupport.ovmfSuffix,
                "--kernel", "/dev/null", "--initrd", "/dev/null", "--append", "console=ttyS0",
            ],
        ] {
            let ours = try MeasureCommand.parse(arguments).execute().text
            #expect(ours == (try Self.sevSnpMeasure(arguments, in: directory)), "\(arguments)")
        }
        // /dev/null is an empty kernel: the reference Go implementation's digest for that.
        let sev = try MeasureCommand.parse([
            "--mode", "sev", "--ovmf", TestSupport.ovmfSuffix, "--kernel", "/dev/null", "--append", "",
        ]).execute().text
        #expect(sev == "d59d7696efd7facfaa653758586e6120c4b6eaec3e327771d278cc6a44786ba5")
    }

    @Test func pipesAreReadToTheirEndOnce() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let firmware = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestSupport.ovmfSuffix)))
        // Larger than a pipe buffer and than one read chunk, and not a multiple of either.
        let kernel = (0..<(3 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) }
        let initrd = [UInt8]((0..<70_000).map { UInt8(truncatingIfNeeded: $0 >> 3) })
        let regular = { (name: String, bytes: [UInt8]) -> String in
            let path = directory.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            return path
        }
        let expected = try Self.sevSnpMeasure(
            [
                "--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf",
                regular("ovmf.fd", firmware),
                "--kernel", regular("vmlinuz", kernel), "--initrd", regular("initrd", initrd), "--append",
                "quiet",
            ], in: directory)

        let firmwarePipe = try PipeFeed(firmware)
        let kernelFIFO = try Self.fifo(kernel, named: "kernel.fifo", in: directory)
        let initrdPipe = try PipeFeed(initrd)
        let output = try MeasureCommand.parse([
            "--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", firmwarePipe.path,
            "--kernel", kernelFIFO, "--initrd", initrdPipe.path, "--append", "quiet", "--json",
        ]).execute().text
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let measurement = try #require(report["measurement"] as? [String: Any])
        #expect(measurement["hex"] as? String == expected)
        // The JSON report's firmware entry comes from the same single read of the pipe.
        let inputs = try #require(report["inputs"] as? [String: Any])
        let firmwareEntry = try #require(inputs["firmware"] as? [String: Any])
        #expect(firmwareEntry["size"] as? Int == firmware.count)
        #expect(firmwareEntry["sha256"] as? String == hexString(DigestAlgorithm.sha256.hash(firmware)))
        let kernelEntry = try #require(inputs["kernel"] as? [String: Any])
        #expect(kernelEntry["sha256"] as? String == hexString(DigestAlgorithm.sha256.hash(kernel)))
    }

    @Test func aDirectoryIsRefusedByName() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            try MeasureCommand.parse([
                "--mode", "sev", "--ovmf", TestSupport.ovmfSuffix, "--kernel", directory.path,
            ])
            .execute()
        } throws: { error in
            "\(error)".contains("\(directory.path): is a directory")
        }
    }
}
