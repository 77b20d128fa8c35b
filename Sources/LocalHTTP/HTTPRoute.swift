import KataCore
import NIOHTTP1

/// What one GET path answers: a reply known in advance (answered on the event loop), or one
/// computed per request from its query (on Swift's concurrency pool).
package struct HTTPRoute: Sendable {
    package struct Reply: Sendable {
        package var status: HTTPResponseStatus
        package var contentType: String
        package var body: String

        package init(status: HTTPResponseStatus = .ok, contentType: String = "text/plain", body: String) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// The request as a route sees it: the query's parameters and the Accept header.
    package struct Request: Sendable {
        package var query: [String: String]
        package var accept: String

        package init(query: [String: String] = [:], accept: String = "") {
            self.query = query
            self.accept = accept
        }
    }

    package let fixed: Reply?
    package let computed: (@Sendable (Request) async -> Reply)?

    package init(fixed: Reply) {
        self.fixed = fixed
        computed = nil
    }

    package init(computed: @escaping @Sendable (Request) async -> Reply) {
        fixed = nil
        self.computed = computed
    }

    /// Prometheus text exposition, computed per scrape.
    package static func prometheus(_ text: @escaping @Sendable () async -> String) -> HTTPRoute {
        HTTPRoute { _ in Reply(contentType: prometheusContentType, body: await text()) }
    }

    package static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `a=1&b=2` → ["a": "1", "b": "2"], percent-decoded; the first of a repeated key wins.
    static func parseQuery(_ query: Substring) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = percentDecoded(parts[0]), parameters[key] == nil else { continue }
            parameters[key] = parts.count == 2 ? percentDecoded(parts[1]) ?? "" : ""
        }
        return parameters
    }

    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.value),
                    let low = iterator.next().flatMap(Hex.value)
                else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
