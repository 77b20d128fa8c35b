import Foundation
import KataCore
import Testing

@testable import Shim

/// `shared_fs = "none"` puts no host directory into the VM: a container's root filesystem
/// arrives as a hot-plugged block image (BlockRootfsTests boots it). A backend that cannot
/// hot-plug fails the container saying so, before the agent is asked anything.
@Suite struct SharedFSNoneTests {
    @Test func backendWithoutHotplugFailsTheContainerWithTheReason() async throws {
        try await withHarness(sharedFS: "none") { harness in
            let failure = await errorCode { _ = try await harness.create("c1") }
            #expect(failure?.0 == .unsupported)
            #expect(
                failure?.1.contains("cannot hot-plug block devices") == true, "\(String(describing: failure))"
            )
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
