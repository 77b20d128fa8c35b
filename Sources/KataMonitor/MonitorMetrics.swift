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
        runningShims = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "kata", subsystem: "monitor", metricName: "running_shim_count", unitName: "",
                helpText: "Running shims (sandboxes with a management socket)."))
        scrapes = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "kata", subsystem: "monitor", metricName: "scrape_count", unitName: "",
                helpText: "Scrape requests served."))
        failedScrapes = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "kata", subsystem: "monitor", metricName: "scrape_failed_count", unitName: "",
                helpText: "Shim scrapes that failed or timed out."))
        refusedLines = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "kata", subsystem: "monitor", metricName: "scrape_refused_lines_total",
                unitName: "",
                helpText: "Malformed or conflicting lines of shim answers that were not passed on."))
        scrapeMilliseconds = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "kata", subsystem: "monitor", metricName: "scrape_durations_histogram",
                unitName: "milliseconds",
                helpText: "Time to gather every shim's metrics for one scrape, in milliseconds."),
            buckets: (0..<10).map { Double(1 << $0) })
    }

    package func rendered() -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
