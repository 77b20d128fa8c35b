import Prometheus

/// kata-monitor's own series, upstream's names, exposed through swift-prometheus.
package struct MonitorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let runningShims: Gauge
    let scrapes: Counter
    let failedScrapes: Counter
    let refusedLines: Counter
    let scrapeMilliseconds: ValueHistogram

    package init() {
        func named(_ name: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "kata", subsystem: "monitor", metricName: name, unitName: unit, helpText: help)
        }
        runningShims = registry.makeGauge(
            descriptor: named("running_shim_count", "Running shims (sandboxes with a management socket)."))
        scrapes = registry.makeCounter(descriptor: named("scrape_count", "Scrape requests served."))
        failedScrapes = registry.makeCounter(
            descriptor: named("scrape_failed_count", "Shim scrapes that failed or timed out."))
        refusedLines = registry.makeCounter(
            descriptor: named(
                "scrape_refused_lines_total",
                "Malformed or conflicting lines of shim answers that were not passed on."))
        scrapeMilliseconds = registry.makeValueHistogram(
            descriptor: named(
                "scrape_durations_histogram", unit: "milliseconds",
                "Time to gather every shim's metrics for one scrape, in milliseconds."),
            buckets: (0..<10).map { Double(1 << $0) })
    }

    package func rendered() -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
