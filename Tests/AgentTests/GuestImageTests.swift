import AgentVMSupport
import Foundation
import Testing

/// The initrd `make guest` built is reproducible: building it again from the same agent,
/// kernel modules and host packages gives the same bytes (so its launch measurement is stable).
@Suite struct GuestImageTests {
    @Test func initrdRebuildIsByteIdentical() throws {
        let image = try GuestImage.built()
        let build = GuestImage.buildDirectory
        let scripts = URL(fileURLWithPath: build).deletingLastPathComponent().appendingPathComponent("guest")
            .path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kata-initrd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rebuilt = directory.appendingPathComponent("initrd.img").path

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(scripts)/build-initrd.sh")
        process.arguments = [rebuilt, "\(build)/kernel", "\(build)/guest/kata-agent"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let original = try Data(contentsOf: URL(fileURLWithPath: image.initrd))
        let again = try Data(contentsOf: URL(fileURLWithPath: rebuilt))
        #expect(original.count == again.count)
        #expect(original == again, "build/guest/kata-initrd.img differs from a rebuild of the same inputs")
        // What must be inside: the agent as /init, the module order, crun and the libraries
        // the agent needs beyond glibc (static Swift stdlib still links libstdc++ and libgcc_s).
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/cpio")
        listing.arguments = ["-it", "--quiet", "-F", image.initrd]
        let output = Pipe()
        listing.standardOutput = output
        try listing.run()
        let names = Set(
            String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(
                separator: "\n"
            ).map(String.init))
        listing.waitUntilExit()
        for required in [
            "init", "etc/kata-modules", "usr/bin/crun", "bin/busybox", "lib/x86_64-linux-gnu/libstdc++.so.6",
            "lib/x86_64-linux-gnu/libgcc_s.so.1", "lib64/ld-linux-x86-64.so.2",
        ] {
            #expect(names.contains(required), "initrd lacks \(required)")
        }
    }
}
