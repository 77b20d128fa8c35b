import Testing

@testable import PrometheusText

@Suite struct ExpositionTests {
    @Test func samplesGainTheSandboxLabelsAndFamiliesMergeOnce() {
        let a = Exposition.parse(
            """
            # HELP kata_guest_load Guest load averages.
            # TYPE kata_guest_load gauge
            kata_guest_load{window="1m"} 0.5
            # TYPE kata_shim_threads gauge
            kata_shim_threads 7
            """, extraLabels: [("sandbox_id", "a")])
        let b = Exposition.parse(
            """
            # TYPE kata_shim_threads gauge
            kata_shim_threads{sandbox_id="forged"} 9 1700000000000
            """, extraLabels: [("sandbox_id", "b")])
        var merged = a
        merged.merge(b)
        #expect(merged.refused == 0)
        #expect(
            merged.rendered() == """
                # HELP kata_guest_load Guest load averages.
                # TYPE kata_guest_load gauge
                kata_guest_load{sandbox_id="a",window="1m"} 0.5
                # TYPE kata_shim_threads gauge
                kata_shim_threads{sandbox_id="a"} 7
                kata_shim_threads{sandbox_id="b"} 9 1700000000000

                """)
    }

    @Test func histogramSamplesStayInTheirFamily() {
        let parsed = Exposition.parse(
            """
            # TYPE rpc_seconds histogram
            rpc_seconds_bucket{le="0.1"} 1
            rpc_seconds_bucket{le="+Inf"} 2
            rpc_seconds_sum 0.3
            rpc_seconds_count 2
            untyped_thing 4
            """)
        #expect(parsed.families.map(\.name) == ["rpc_seconds", "untyped_thing"])
        #expect(parsed.families[0].samples.count == 4)
        #expect(parsed.families[1].type == "untyped")
    }

    @Test(arguments: [
        "bad-name 1", "name{le=\"1\" 1", "name{__x=\"1\"} 1", "name{a=\"1\",a=\"2\"} 1", "name NaNx",
        "name 1 notatime", "name{a=\"\\q\"} 1", "name", "name{a=1} 1", "name 0x10",
    ])
    func malformedSamplesAreRefused(_ line: String) {
        let parsed = Exposition.parse("ok 1\n" + line + "\n")
        #expect(parsed.refused == 1, "\(line)")
        #expect(parsed.families.map(\.name) == ["ok"])
    }

    @Test func aFamilyThatContradictsItselfIsDropped() {
        let parsed = Exposition.parse(
            """
            # TYPE x gauge
            x 1
            # TYPE y counter
            y 2
            # TYPE x counter
            x 3
            """)
        #expect(parsed.families.map(\.name) == ["y"])
        #expect(parsed.refused >= 1)
    }

    @Test func typesThatDisagreeAcrossShimsKeepTheFirst() {
        var merged = Exposition.parse("# TYPE x gauge\nx 1\n", extraLabels: [("sandbox_id", "a")])
        merged.merge(Exposition.parse("# TYPE x counter\nx 2\n", extraLabels: [("sandbox_id", "b")]))
        #expect(merged.families.count == 1 && merged.families[0].samples.count == 1)
        #expect(merged.refused == 1)
    }

    @Test func labelValuesAreEscapedOnTheWayOut() {
        let parsed = Exposition.parse(#"x{path="a\"b\\c\nd"} 1"#)
        #expect(parsed.families[0].samples[0].labels[0].1 == "a\"b\\c\nd")
        #expect(parsed.rendered() == "# TYPE x untyped\n" + #"x{path="a\"b\\c\nd"} 1"# + "\n")
    }

    @Test func oversizedAnswersAreRefusedWhole() {
        let huge = String(repeating: "x 1\n", count: Exposition.maxBytes / 4 + 1)
        let parsed = Exposition.parse(huge)
        #expect(parsed.families.isEmpty && parsed.refused == 1)
    }
}
