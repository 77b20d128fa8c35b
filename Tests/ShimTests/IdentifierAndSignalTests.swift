import Foundation
import KataCore
import Protocols
import TestFixtures
import Testing

@testable import Shim

/// Ids and signals from containerd's clients are refused where they enter, naming the field,
/// before anything is made on the host; the shim goes on serving.
@Suite struct IdentifierAndSignalTests {
    @Test func hostileSandboxIDAnnotationIsRefusedBeforeAnyPathIsMade() async throws {
        try await withHarness { harness in
            // The same depth as the state root below the harness root: "../.." would reach it.
            let victim = harness.root + "/victim"
            try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
            try "keep".write(toFile: victim + "/file", atomically: true, encoding: .utf8)
            let annotations = [
                PodAnnotations.containerType: "sandbox", PodAnnotations.sandboxIDKey: "../victim",
            ]
            let failure = await errorCode { try await harness.create("c1", annotations: annotations) }
            #expect(failure?.0 == .invalidArgument)
            #expect(failure?.1.contains(PodAnnotations.sandboxIDKey) == true, "\(failure?.1 ?? "")")
            #expect(harness.backend.launches.value == 0)
            #expect(FileManager.default.fileExists(atPath: victim + "/file"))
            // Still serving: a well-formed Create after it works.
            try await harness.create("c2")
            #expect(try await harness.status("c2") == .created)
        }
    }

    @Test func badIDsAreInvalidArgumentsNamingTheField() async throws {
        try await withHarness { harness in
            for bad in ["../x", "a/b", "", ".hidden", "x\u{0}y", String(repeating: "a", count: 77)] {
                var request = try harness.createRequest("bundle")
                request.id = bad
                let create = await errorCode { [request] in _ = try await harness.service.create(request) }
                #expect(
                    create?.0 == .invalidArgument && create?.1.hasPrefix("id ") == true,
                    "\(bad): \(create?.1 ?? "")")
                let kill = await errorCode { try await harness.kill(bad, signal: 9) }
                #expect(kill?.0 == .invalidArgument, "\(bad)")
                let wait = await errorCode { _ = try await harness.wait(bad) }
                #expect(wait?.0 == .invalidArgument, "\(bad)")
            }
            try await harness.create("c1")
            let exec = await errorCode { try await harness.exec("c1", "../../e") }
            #expect(exec?.0 == .invalidArgument && exec?.1.hasPrefix("exec_id ") == true, "\(exec?.1 ?? "")")
            let wait = await errorCode { _ = try await harness.wait("c1", exec: "e/1") }
            #expect(wait?.0 == .invalidArgument && wait?.1.hasPrefix("exec_id ") == true)
        }
    }

    @Test func bundleMustBeAnAbsoluteNormalisedPath() async throws {
        try await withHarness { harness in
            for bundle in ["relative/dir", "/run/../etc", "/a/./b"] {
                var request = try harness.createRequest("c1")
                request.bundle = bundle
                let failure = await errorCode { _ = try await harness.service.create(request) }
                #expect(failure?.0 == .invalidArgument && failure?.1.contains("bundle") == true, "\(bundle)")
            }
        }
    }

    @Test func signalsOutside1To64AreRefusedAndTheTaskStaysKillable() async throws {
        try await withHarness { harness in
            try await harness.create("c1")
            try await harness.start("c1")
            for signal: UInt32 in [2_147_483_648, 0, 65, .max] {
                let failure = await errorCode { try await harness.kill("c1", signal: signal) }
                #expect(
                    failure?.0 == .invalidArgument && failure?.1.hasPrefix("signal ") == true, "\(signal)")
            }
            #expect(try await harness.status("c1") == .running)
            try await harness.kill("c1", signal: 9)
            #expect(try await within(.seconds(5)) { try await harness.wait("c1") } == 137)
        }
    }

    @Test func shimArgumentsCheckTheIDNamespaceAndBundle() {
        for bad in [
            ["-namespace", "n", "-id", "../../x"], ["-namespace", "../n", "-id", "x"],
            ["-namespace", "n", "-id", "x", "-bundle", "rel"],
            ["-namespace", "n", "-id", "x", "-bundle", "/a/../b", "delete"],
        ] {
            #expect(throws: KataError.self, "\(bad)") { try ShimArguments.parse(bad) }
        }
    }
}
