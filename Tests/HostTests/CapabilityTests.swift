import KataCore
import Testing

@testable import Host

@Suite struct CapabilityTests {
    static let statusText = """
        Name:\tqemu-system-x86
        Umask:\t0022
        CapInh:\t0000000000000000
        CapPrm:\t000000000000001f
        CapEff:\t000000000000001f
        CapBnd:\t000000000000001f
        CapAmb:\t0000000000000000
        NoNewPrivs:\t1
        Seccomp:\t2
        Seccomp_filters:\t1

        """

    @Test func statusLinesParse() throws {
        let status = try ProcessSecurityStatus(parsing: Self.statusText)
        #expect(
            status.effective == .fileWrite && status.permitted == .fileWrite && status.bounding == .fileWrite)
        #expect(status.inheritable == .empty && status.ambient == .empty)
        #expect(status.seccompMode == 2 && status.noNewPrivileges)
        #expect(status.effective.description == "chown,dac_override,dac_read_search,fowner,fsetid")
        #expect(CapabilitySet.empty.description == "none")
    }

    @Test func aStatusWithoutCapabilityLinesIsMalformed() {
        let error = #expect(throws: KataError.self) {
            try ProcessSecurityStatus(parsing: "Name:\tx\nCapEff:\tzz\n", source: "/proc/1/status")
        }
        #expect(error?.code == .malformedInput)
        #expect(error?.message.contains("/proc/1/status") == true)
    }

    @Test func setAlgebraAndOutOfRangeNumbers() {
        // 0 is CAP_CHOWN, 21 CAP_SYS_ADMIN; numbers outside 0..<64 are not capabilities.
        let set = CapabilitySet([0, 21, 64, -1])
        #expect(set.numbers == [0, 21])
        #expect(set.contains(21) && !set.contains(64) && !set.contains(-1))
        #expect(set.subtracting(.fileWrite).names == ["sys_admin"])
        #expect(set.intersection(.fileWrite).names == ["chown"])
    }

    /// The narrowing applies to a throwaway thread only: inside it the sets are the kept ones,
    /// and the calling process keeps all it had.
    @Test func confinementNarrowsOnlyItsOwnThread() throws {
        let before = try ProcessSecurityStatus.read(path: "/proc/self/status")
        let (kept, inside) = try CapabilityConfinement.run(keeping: .fileRead) { kept in
            (kept, try ProcessSecurityStatus.read(path: "/proc/thread-self/status"))
        }
        let expected = CapabilitySet.fileRead.intersection(before.permitted)
        #expect(kept == expected)
        #expect(inside.effective == expected && inside.permitted == expected && inside.bounding == expected)
        #expect(inside.inheritable == .empty && inside.ambient == .empty)
        #expect(try ProcessSecurityStatus.read(path: "/proc/self/status") == before)
    }

    @Test func errorsOfTheBodyComeBack() {
        let error = #expect(throws: KataError.self) {
            try CapabilityConfinement.run(keeping: .empty) { _ in throw KataError(.notFound, "from body") }
        }
        #expect(error?.message == "from body")
    }
}
