import Foundation
import Initdata
import KataConfig
import KataCore
import LocalHTTP
import Logging
import Protocols
import Runtime
import TestFixtures
import Testing
import VirtualMachine

@testable import Shim

/// The shim's Create with a `cc_init_data` annotation (fake VM and agent): the initdata disk is
/// in the launched description and on disk, byte-exact, before the VM starts, and gone with
/// the sandbox; bad initdata fails Create before any launch, leaving nothing.
@Suite struct InitdataSandboxTests {
    static let annotation = "io.katacontainers.config.hypervisor.cc_init_data"

    @Test func theDiskIsWrittenBeforeLaunchAndRemovedWithTheSandbox() async throws {
        let document = sampleInitdataDocument()
        let gzip = try InitdataTool.gzip(document)
        try await withHarness(enableAnnotations: ["cc_init_data"]) { harness in
            try await harness.create("c1", annotations: [Self.annotation: Base64.encode(gzip)])
            let disk = harness.root + "/sbs/c1/initdata.img"
            let vm = try #require(harness.backend.lastLaunched)
            #expect(vm.readOnlyDisks == [ReadOnlyDisk(id: "initdata", path: disk)])
            let atLaunch = harness.backend.disksAtLaunch.withLock { $0[disk] ?? nil }
            #expect(atLaunch == InitdataDisk.image(gzip: gzip))
            #expect(atLaunch.map { Array($0.prefix(8)) } == Array("initdata".utf8))
            let mode = try FileManager.default.attributesOfItem(atPath: disk)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            await harness.service.shutdown(Containerd_Task_V2_ShutdownRequest(), force: true)
            #expect(!FileManager.default.fileExists(atPath: disk))
        }
    }

    /// A shim that died: `Sandbox.cleanUp` (what `containerd-shim-kata-v2 delete` runs) removes
    /// the disk with the state directory it lives in.
    @Test func cleanUpAfterACrashRemovesTheDisk() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "initdata-\(UUID().uuidString)"
        )
        .path
        defer { _ = removeTree(root) }
        let paths = SandboxPaths(sandboxID: "sb1", stateRoot: root + "/sbs", sharedRoot: root + "/shared")
        let gzip = try InitdataTool.gzip(sampleInitdataDocument())
        let vm = VirtualMachineDescription(
            sandboxID: "sb1", runDirectory: paths.vmDirectory, hypervisorPath: "/nonexistent/qemu",
            accelerator: .tcg, cpuModel: "max", vcpus: 1, memoryMiB: 256, kernel: "/fake/vmlinux",
            initrd: "/fake/initrd", kernelCommandLine: "console=ttyS0",
            agentChannel: .virtioSerial(socketPath: paths.vmDirectory + "/agent.sock"),
            readOnlyDisks: [ReadOnlyDisk(id: "initdata", path: paths.initdataImage)])
        let plan = LaunchPlan(
            vm: vm, guestShare: nil, measurement: nil,
            initdata: PlannedInitdata(
                binding: InitdataBinding(algorithm: "sha256", digest: "00"), diskPath: paths.initdataImage,
                gzip: gzip))
        let backend = FakeBackend()
        _ = try await Sandbox.create(
            plan: plan, configuration: KataConfiguration(), paths: paths, dialer: backend.dialer,
            backend: backend, logger: Logger(label: "test.initdata"))
        #expect(FileManager.default.fileExists(atPath: paths.initdataImage))
        // The shim is gone without stopping the sandbox; the next `delete` cleans up.
        Sandbox.cleanUp(paths: paths, logger: Logger(label: "test.initdata"))
        #expect(!FileManager.default.fileExists(atPath: paths.initdataImage))
        #expect(!FileManager.default.fileExists(atPath: paths.stateDirectory))
    }

    @Test(arguments: [
        ("not base64", "%%%", "not standard base64"),
        ("not gzip", Base64.encode(Array("version = \"0.1.0\"\n".utf8)), "not gzip"),
    ])
    func badInitdataFailsCreateBeforeAnyLaunch(_ name: String, _ value: String, _ problem: String)
        async throws
    {
        try await withHarness(enableAnnotations: ["cc_init_data"]) { harness in
            let failure = await errorCode {
                try await harness.create("c1", annotations: [Self.annotation: value])
            }
            #expect(
                failure?.1.contains("annotation \(Self.annotation): \(problem)") == true,
                "\(String(describing: failure))")
            #expect(harness.backend.launches.value == 0)
            #expect(!FileManager.default.fileExists(atPath: harness.root + "/sbs/c1"))
        }
    }

    /// `GET /measurement`: a confidential sandbox's JSON carries `initdata`; a plain one's 404
    /// says the digest is bound to no hardware.
    @Test func measurementRouteReportsTheDigest() throws {
        let binding = InitdataBinding(algorithm: "sha256", digest: "ab", field: "host_data", value: "ab00")
        let measurement = ExpectedMeasurement(
            mode: .snp, algorithm: "sha384", measurement: "cd", inputs: [], initdata: binding)
        let json = try #require(HTTPRoute.measurement(measurement, initdata: binding).fixed)
        #expect(
            json.status == .ok && json.body.contains("\"initdata\"") && json.body.contains("\"host_data\""))
        let plain = try #require(
            HTTPRoute.measurement(nil, initdata: InitdataBinding(algorithm: "sha384", digest: "ef")).fixed)
        #expect(plain.status == .notFound)
        #expect(plain.body.contains("initdata sha384 ef was delivered to the guest, bound to no hardware"))
    }
}
