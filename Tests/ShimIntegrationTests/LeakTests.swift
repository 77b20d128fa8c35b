import Foundation
import Testing

/// Many sandboxes in a row and side by side (`ctr run --rm` of busybox `echo`) while a
/// long-lived container runs: descriptors, processes, mounts and runtime directories must end
/// where they started.
@Suite(.serialized, .privateContainerd)
struct LeakTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    static let sequentialRuns = 50
    static let parallelRuns = 4

    @Test func fiftySandboxesInARowLeaveNothing() async throws {
        let prefix = "seq-\(UUID().uuidString.prefix(8).lowercased())"
        try await withKeeper(prefix) { keeper in
            let before = try await Footprint.settled(ctrd, prefix: prefix, keeper: keeper)
            let sampler = ShimSampler(socket: ctrd.socket, prefix: prefix)
            let sampling = Task { await sampler.run() }
            var seconds: [Double] = []
            for index in 0..<Self.sequentialRuns {
                let started = Date()
                let result = try await ctrd.run("\(prefix)-\(index)", ["/bin/echo", "run \(index)"])
                seconds.append(Date().timeIntervalSince(started))
                #expect(
                    result.status == 0 && result.stdout == "run \(index)\n", "run \(index): \(result.stderr)")
                if index % 10 == 9 { try await keeper.exec(in: ctrd, tag: index) }
            }
            sampling.cancel()
            let after = try await Footprint.settled(ctrd, prefix: prefix, keeper: keeper)
            let peaks = await sampler.peaks
            print(
                "\(Self.sequentialRuns) sandboxes in a row: \(format(seconds.reduce(0, +))) s, per sandbox mean "
                    + "\(format(seconds.reduce(0, +) / Double(seconds.count))) s, min \(format(seconds.min() ?? 0)) s, "
                    + "max \(format(seconds.max() ?? 0)) s; shim descriptors while running (peak per shim): "
                    + "\(peaks)")
            print("footprint before: \(before)\nfootprint after:  \(after)")
            #expect(after == before, "before \(before), after \(after)")
            #expect(peaks.count >= Self.sequentialRuns / 2, "sampled only \(peaks.count) running shims")
            // Every shim does the same work: one whose descriptors grew over the runs would
            // show inherited or accumulated descriptors (from containerd, or across sandboxes).
            let firstTen = peaks.prefix(10).max() ?? 0
            let lastTen = peaks.suffix(10).max() ?? 0
            #expect(
                lastTen <= firstTen, "shim descriptors grew: first runs \(firstTen), last runs \(lastTen)")
        }
    }

    @Test func fourSandboxesSideBySideLeaveNothing() async throws {
        let prefix = "par-\(UUID().uuidString.prefix(8).lowercased())"
        try await withKeeper(prefix) { keeper in
            let before = try await Footprint.settled(ctrd, prefix: prefix, keeper: keeper)
            let ctrd = ctrd
            let started = Date()
            let results = try await withThrowingTaskGroup(of: (Int, CommandResult).self) { group in
                for index in 0..<Self.parallelRuns {
                    group.addTask {
                        (index, try await ctrd.run("\(prefix)-\(index)", ["/bin/echo", "side \(index)"]))
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            print(
                "\(Self.parallelRuns) sandboxes side by side: \(format(Date().timeIntervalSince(started))) s")
            for index in 0..<Self.parallelRuns {
                let result = results[index]
                #expect(
                    result?.status == 0 && result?.stdout == "side \(index)\n",
                    "run \(index): \(result?.stderr ?? "")")
            }
            let after = try await Footprint.settled(ctrd, prefix: prefix, keeper: keeper)
            print("footprint before: \(before)\nfootprint after:  \(after)")
            #expect(after == before, "before \(before), after \(after)")
        }
    }

    /// Runs `body` while a long-lived container `<prefix>-keeper` runs, and removes it after.
    func withKeeper(_ prefix: String, _ body: (Keeper) async throws -> Void) async throws {
        let id = "\(prefix)-keeper"
        try await withCleanup {
            let run = try await ctrd.startRun(id, ["/bin/sleep", "3600"])
            defer { run.stop() }
            let keeper = Keeper(
                id: id, shim: try #require(HostProcesses.shimPID(for: id)),
                qemu: try #require(HostProcesses.qemuPIDs(for: id).first))
            // The first exec creates what a shim keeps for later ones: measure after it.
            try await keeper.exec(in: ctrd, tag: -1)
            try await body(keeper)
        } cleanup: {
            await ctrd.forceRemove(id)
        }
    }

    func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
}

/// The long-lived container: its shim and VM stay up through all the runs.
struct Keeper: Sendable {
    var id: String
    var shim: Int32
    var qemu: Int32

    func exec(in ctrd: PrivateContainerd, tag: Int) async throws {
        let result = try await ctrd.ctr(["task", "exec", "--exec-id", "x\(tag + 1)", id, "/bin/echo", "ok"])
        #expect(result.status == 0 && result.stdout == "ok\n", "exec into \(id): \(result.stderr)")
    }
}

/// What the test's containerd and sandboxes hold on the host, counted only where it is ours:
/// other engineers' containerds and VMs run on this machine too.
struct Footprint: Equatable, CustomStringConvertible {
    var containerdDescriptors: Int
    var keeperShimDescriptors: Int
    var keeperQEMUDescriptors: Int
    /// containerd, shims and VMs of this containerd and this test.
    var processes: Int
    /// Mount points under this containerd's directory or the test's sandboxes.
    var mounts: Int
    /// /run/vc/sbs and /run/kata-containers/shared/sandboxes entries of the test's sandboxes.
    var runtimeDirectories: Int

    var description: String {
        "containerd fds \(containerdDescriptors), keeper shim fds \(keeperShimDescriptors), keeper qemu fds "
            + "\(keeperQEMUDescriptors), processes \(processes), mounts \(mounts), runtime dirs \(runtimeDirectories)"
    }

    static func measure(_ ctrd: PrivateContainerd, prefix: String, keeper: Keeper) throws -> Footprint {
        let containerd = try #require(ctrd.containerdPID)
        let ours = HostProcesses.all().filter {
            $0.cmdline.contains(ctrd.work + "/") || $0.cmdline.contains("sandbox-\(prefix)-")
        }
        let mounts = SandboxTraces.mountPoints().filter {
            $0.hasPrefix(ctrd.work + "/") || $0.contains("/\(prefix)-")
        }
        let directories = ["/run/vc/sbs", "/run/kata-containers/shared/sandboxes"].flatMap {
            ((try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? []).filter { $0.hasPrefix(prefix) }
        }
        return Footprint(
            containerdDescriptors: HostProcesses.descriptorCount(containerd) ?? -1,
            keeperShimDescriptors: HostProcesses.descriptorCount(keeper.shim) ?? -1,
            keeperQEMUDescriptors: HostProcesses.descriptorCount(keeper.qemu) ?? -1,
            processes: ours.count, mounts: mounts.count, runtimeDirectories: directories.count)
    }

    /// Measures once the last sandbox's shim is gone (`ctr run --rm` may return just before),
    /// waiting at most 15 s for the counts to stop changing.
    static func settled(_ ctrd: PrivateContainerd, prefix: String, keeper: Keeper) async throws -> Footprint {
        let deadline = Date().addingTimeInterval(15)
        var last = try measure(ctrd, prefix: prefix, keeper: keeper)
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(500))
            let now = try measure(ctrd, prefix: prefix, keeper: keeper)
            let shimsLeft = HostProcesses.all().contains {
                $0.cmdline.contains("containerd-shim-kata-v2") && $0.cmdline.contains("-id \(prefix)-")
                    && !$0.cmdline.contains("-id \(keeper.id) ")
            }
            if now == last && !shimsLeft { return now }
            last = now
        }
        return last
    }
}

/// Samples the descriptors of this test's short-lived serving shims (not their `start` and
/// `delete` invocations) while they run: the peak per shim, in the order the shims appeared.
actor ShimSampler {
    let socket: String
    let prefix: String
    private var order: [Int32] = []
    private var peak: [Int32: Int] = [:]

    init(socket: String, prefix: String) {
        self.socket = socket
        self.prefix = prefix
    }

    var peaks: [Int] { order.compactMap { peak[$0] } }

    func run() async {
        while !Task.isCancelled {
            for (pid, cmdline) in HostProcesses.all()
            where cmdline.contains("containerd-shim-kata-v2") && cmdline.contains("-address \(socket) ")
                && cmdline.contains("-id \(prefix)-") && !cmdline.contains("-keeper ")
                && cmdline.contains(" -bundle ") && !cmdline.hasSuffix(" delete ")
            {
                guard let count = HostProcesses.descriptorCount(pid) else { continue }
                if peak[pid] == nil { order.append(pid) }
                peak[pid] = max(peak[pid] ?? 0, count)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
