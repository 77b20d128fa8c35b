import Foundation
import Testing

@testable import OCI

@Suite struct SpecCodingTests {
    /// The shape containerd writes into a bundle (abridged), with runtime-spec key spellings.
    static let containerdStyle = """
        {"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0,"additionalGids":[10]},
        "args":["/bin/sh","-c","echo hi"],"env":["PATH=/bin"],"cwd":"/","terminal":false,
        "capabilities":{"bounding":["CAP_CHOWN"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN"]},
        "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true,"oomScoreAdj":5},
        "root":{"path":"rootfs"},"hostname":"c1",
        "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid"]}],
        "annotations":{"io.kubernetes.cri.container-type":"sandbox"},
        "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":1048576,
        "disableOOMKiller":false},"cpu":{"shares":1024,"quota":50000,"period":100000},"pids":{"limit":64}},
        "cgroupsPath":"/default/c1","namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}],
        "uidMappings":[{"containerID":0,"hostID":1000,"size":1}],
        "maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"],
        "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
        "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}}}
        """

    @Test func decodesTheRuntimeSpecSpellings() throws {
        let spec = try JSONDecoder().decode(Spec.self, from: Data(Self.containerdStyle.utf8))
        #expect(spec.ociVersion == "1.0.2-dev")
        #expect(spec.process?.args == ["/bin/sh", "-c", "echo hi"])
        #expect(spec.process?.user.additionalGids == [10])
        #expect(spec.process?.oomScoreAdj == 5)
        #expect(spec.linux?.resources?.cpu?.quota == 50000)
        #expect(spec.linux?.resources?.pids?.limit == 64)
        #expect(spec.linux?.namespaces?[1] == Namespace(type: "network", path: "/proc/1/ns/net"))
        #expect(spec.linux?.uidMappings?.first?.hostID == 1000)
        #expect(spec.linux?.seccomp?.syscalls?.first?.args?.first?.op == "SCMP_CMP_EQ")
        #expect(spec.annotations?["io.kubernetes.cri.container-type"] == "sandbox")
    }

    @Test func roundTripsWithoutInventingFields() throws {
        let spec = try JSONDecoder().decode(Spec.self, from: Data(Self.containerdStyle.utf8))
        let encoded = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(Spec.self, from: encoded) == spec)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(!text.contains("selinuxLabel"))  // absent stays absent
        #expect(text.contains("\"disableOOMKiller\":false"))
    }

    @Test func missingRequiredFieldNamesIt() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Spec.self, from: Data(#"{"process":{"cwd":"/"}}"#.utf8))
        }
    }
}
