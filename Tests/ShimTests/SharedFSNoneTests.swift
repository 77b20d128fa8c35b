import Foundation
import KataCore
import Testing

@testable import Shim

/// `shared_fs = "none"` puts no host directory into the VM: a container's root filesystem has no
/// way in until block-device root filesystems exist, so creating one fails saying so.
@Suite struct SharedFSNoneTests {
    @Test func containerCreationFailsWithTheReason() async throws {
        try await withHarness(sharedFS: "none") { harness in
            let failure = await errorCode { _ = try await harness.create("c1") }
            #expect(failure?.0 == .unsupported)
            #expect(
                failure?.1.contains("hypervisor.qemu.shared_fs = \"none\" shares no host directory") == true,
                "\(String(describing: failure))")
            #expect(!harness.backend.agent.calls.contains { $0.hasPrefix("createContainer") })
        }
    }

    @Test func virtio9pStillCreatesContainers() async throws {
        try await withHarness(sharedFS: "virtio-9p") { harness in
            try await harness.create("c1")
            #expect(harness.backend.agent.calls.contains { $0.hasPrefix("createContainer") })
        }
    }
}
