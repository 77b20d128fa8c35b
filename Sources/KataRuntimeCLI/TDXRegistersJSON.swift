import Runtime
import TDX

extension TDXRegisters {
    /// `mr_td`, `rtmr_1`, `rtmr_2` (hex), `events` (register, name, type, digest) and the
    /// `profile` they assume: the members of every TDX JSON report.
    var jsonMembers: [(String, JSONValue)] {
        let events = events.map { event -> JSONValue in
            .object([
                ("register", .string(event.register)), ("name", .string(event.name)),
                ("type", .string(event.type)),
                ("digest", .string(event.digest)),
            ])
        }
        return [
            ("mr_td", .string(mrTD)), ("rtmr_1", .string(rtmr1)), ("rtmr_2", .string(rtmr2)),
            ("events", .array(events)),
            (
                "profile",
                .object([
                    ("kernel_header", .string(profile.kernelHeader.rawValue)),
                    ("initrd_option", .string(profile.initrdOption.rawValue)),
                    ("separator", .string(profile.separator.rawValue)),
                    ("stub_measures", .string(stubMeasures ? "yes" : "no")),
                ])
            ),
        ]
    }
}
