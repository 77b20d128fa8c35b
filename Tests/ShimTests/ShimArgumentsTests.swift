import Testing

@testable import Shim

@Suite struct ShimArgumentsTests {
    @Test func parsesContainerdsStartInvocation() throws {
        let args = try ShimArguments.parse([
            "-namespace", "default", "-address", "/run/containerd/containerd.sock",
            "-publish-binary", "/usr/bin/containerd", "-id", "c1", "-debug", "start",
        ])
        #expect(args.namespace == "default")
        #expect(args.address == "/run/containerd/containerd.sock")
        #expect(args.publishBinary == "/usr/bin/containerd")
        #expect(args.id == "c1")
        #expect(args.debug)
        #expect(args.action == .start)
    }

    @Test func acceptsGoFlagSpellings() throws {
        let args = try ShimArguments.parse([
            "--namespace=k8s.io", "-id=x", "-bundle", "/b", "-debug=false", "delete",
        ])
        #expect(args.namespace == "k8s.io" && args.id == "x" && args.bundle == "/b" && !args.debug)
        #expect(args.action == .delete)
        #expect(try ShimArguments.parse(["-namespace", "n", "-id", "i"]).action == .serve)
    }

    @Test func rejectsWhatGoWouldReject() {
        for bad in [
            ["-namespace", "n", "-id", "i", "stop"], ["-namespace", "n", "-id"], ["-id", "i"],
            ["-namespace", "n", "-id", "i", "-bogus", "x"],
            ["-namespace", "n", "-id", "i", "start", "extra"],
            ["-namespace", "n", "-id", "i", "-debug=maybe"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { try ShimArguments.parse(bad) }
        }
    }

    @Test func socketPathIsSHA256OfAddressNamespaceAndID() {
        // sha256("/run/containerd/containerd.sock/default/c1"), computed with sha256sum.
        let path = ShimSocketAddress.path(
            containerdAddress: "/run/containerd/containerd.sock", namespace: "default", id: "c1")
        #expect(path == "/run/containerd/s/\(Self.expectedDigest)")
        #expect(ShimSocketAddress.joinPath(["/a//b/", "ns", "id"]) == "/a/b/ns/id")
    }

    static let expectedDigest = "d25aa4ef11a84e954e74a5bcff06557d0b6ea8d0c00243896f29826694bbd888"
}
