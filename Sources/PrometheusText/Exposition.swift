/// Prometheus text exposition (format 0.0.4) as kata-monitor relays it: each shim's answer is
/// parsed strictly, every sample gains the sandbox's labels, and the families of all shims are
/// merged so that each family appears once (Prometheus refuses a second TYPE line for a name).
///
/// A shim's text carries the guest's metrics, and the guest is not trusted: names, label names
/// and values are checked, sizes bounded, and a family whose lines disagree (two TYPEs, a
/// sample outside its family) is dropped and counted rather than passed on.
package struct Exposition: Sendable, Equatable {
    package struct Family: Sendable, Equatable {
        package var name: String
        package var type: String
        package var help: String?
        package var samples: [Sample]
    }

    package struct Sample: Sendable, Equatable {
        package var name: String
        package var labels: [(String, String)]
        package var value: String
        package var timestamp: String?

        package static func == (a: Sample, b: Sample) -> Bool {
            a.name == b.name && a.labels.elementsEqual(b.labels, by: ==) && a.value == b.value
                && a.timestamp == b.timestamp
        }
    }

    /// Families in the order first seen.
    package private(set) var families: [Family] = []
    /// Lines refused while parsing (each family or sample dropped counts once).
    package private(set) var refused = 0

    package static let maxBytes = 4 << 20
    static let maxLabels = 32
    static let maxValueBytes = 1024

    package init() {}

    /// Parses `text`, adding `extraLabels` (e.g. `sandbox_id`) to every sample. A sample that
    /// already has one of those labels loses its own: the relay's identity wins.
    package static func parse(_ text: String, extraLabels: [(String, String)] = []) -> Exposition {
        var exposition = Exposition()
        guard text.utf8.count <= maxBytes else {
            exposition.refused = 1
            return exposition
        }
        var current: Family?
        var declared: [String: String] = [:]
        var broken = Set<String>()
        func finish() {
            if let family = current, !broken.contains(family.name) { exposition.families.append(family) }
            current = nil
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if line.hasPrefix("#") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard words.count >= 3, words[0] == "#", words[1] == "TYPE" || words[1] == "HELP" else {
                    continue  // a comment
                }
                let name = String(words[2])
                guard isMetricName(name) else {
                    exposition.refused += 1
                    continue
                }
                if words[1] == "TYPE" {
                    let type = words.count == 4 ? String(words[3]) : ""
                    guard ["counter", "gauge", "untyped", "summary", "histogram"].contains(type),
                        declared[name] == nil
                    else {
                        broken.insert(name)
                        exposition.refused += 1
                        continue
                    }
                    declared[name] = type
                    if current?.name == name {
                        current?.type = type
                    } else {
                        finish()
                        current = Family(name: name, type: type, help: nil, samples: [])
                    }
                } else {
                    let help = words.count == 4 ? String(words[3]) : ""
                    if current?.name != name {
                        finish()
                        guard declared[name] == nil else {
                            broken.insert(name)
                            exposition.refused += 1
                            continue
                        }
                        current = Family(name: name, type: "untyped", help: nil, samples: [])
                    }
                    current?.help = help
                }
                continue
            }
            guard var sample = parseSample(line) else {
                exposition.refused += 1
                continue
            }
            let extraNames = Set(extraLabels.map(\.0))
            sample.labels = extraLabels + sample.labels.filter { !extraNames.contains($0.0) }
            if let family = current, belongs(sample.name, to: family) {
                current?.samples.append(sample)
            } else if declared[sample.name] == nil {
                // A sample with no TYPE line: an untyped family of its own.
                finish()
                declared[sample.name] = "untyped"
                current = Family(name: sample.name, type: "untyped", help: nil, samples: [sample])
            } else {
                broken.insert(sample.name)
                exposition.refused += 1
            }
        }
        finish()
        exposition.families.removeAll { broken.contains($0.name) }
        return exposition
    }

    /// Adds `other`'s families: samples of a family already here join it when the types agree;
    /// a family whose type disagrees is dropped (and counted).
    package mutating func merge(_ other: Exposition) {
        refused += other.refused
        for family in other.families {
            if let index = families.firstIndex(where: { $0.name == family.name }) {
                guard families[index].type == family.type else {
                    refused += 1
                    continue
                }
                families[index].samples += family.samples
                if families[index].help == nil { families[index].help = family.help }
            } else {
                families.append(family)
            }
        }
    }

    /// Drops the families whose name `matches`.
    package mutating func removeFamilies(where matches: (String) -> Bool) {
        families.removeAll { matches($0.name) }
    }

    /// The text form, one block per family.
    package func rendered() -> String {
        var text = ""
        for family in families {
            if let help = family.help { text += "# HELP \(family.name) \(help)\n" }
            text += "# TYPE \(family.name) \(family.type)\n"
            for sample in family.samples {
                text += sample.name
                if !sample.labels.isEmpty {
                    text += "{"
                    text += sample.labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
                    text += "}"
                }
                text += " \(sample.value)"
                if let timestamp = sample.timestamp { text += " \(timestamp)" }
                text += "\n"
            }
        }
        return text
    }

    // MARK: Pieces

    static func belongs(_ sample: String, to family: Family) -> Bool {
        if sample == family.name { return true }
        let suffixes: [String] =
            switch family.type {
            case "histogram": ["_bucket", "_sum", "_count"]
            case "summary": ["_sum", "_count"]
            default: []
            }
        return suffixes.contains { sample == family.name + $0 }
    }

    static func isMetricName(_ name: some StringProtocol) -> Bool {
        guard let first = name.utf8.first, !name.isEmpty, name.utf8.count <= 256 else { return false }
        let isStart = { (c: UInt8) in
            (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x3a
        }
        return isStart(first) && name.utf8.allSatisfy { isStart($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    static func isLabelName(_ name: some StringProtocol) -> Bool {
        isMetricName(name) && !name.contains(":") && !name.hasPrefix("__")
    }

    /// `name{label="value",...} value [timestamp]`; nil for anything else.
    static func parseSample(_ line: Substring) -> Sample? {
        var rest = line[...]
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " || $0 == "\t" } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isMetricName(name) else { return nil }
        rest = rest[nameEnd...]
        var labels: [(String, String)] = []
        if rest.first == "{" {
            rest = rest.dropFirst()
            while true {
                rest = rest.drop { $0 == " " }
                if rest.first == "}" {
                    rest = rest.dropFirst()
                    break
                }
                guard let equals = rest.firstIndex(of: "=") else { return nil }
                let label = String(rest[..<equals]).trimmingSpaces
                guard isLabelName(label), !labels.contains(where: { $0.0 == label }) else { return nil }
                rest = rest[equals...].dropFirst().drop { $0 == " " }
                guard rest.first == "\"", let (value, after) = quoted(rest.dropFirst()) else { return nil }
                labels.append((label, value))
                guard labels.count <= maxLabels else { return nil }
                rest = after.drop { $0 == " " }
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { return nil }
            }
        }
        let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 1 || fields.count == 2, isValue(fields[0]) else { return nil }
        if fields.count == 2 { guard Int64(fields[1]) != nil else { return nil } }
        return Sample(
            name: name, labels: labels, value: String(fields[0]),
            timestamp: fields.count == 2 ? String(fields[1]) : nil)
    }

    /// A quoted label value after its opening quote: the unescaped value and what follows the
    /// closing quote.
    static func quoted(_ text: Substring) -> (String, Substring)? {
        var value = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { return (value, text[text.index(after: index)...]) }
            if character == "\\" {
                index = text.index(after: index)
                guard index < text.endIndex else { return nil }
                switch text[index] {
                case "\\": value.append("\\")
                case "\"": value.append("\"")
                case "n": value.append("\n")
                default: return nil
                }
            } else {
                value.append(character)
            }
            guard value.utf8.count <= maxValueBytes else { return nil }
            index = text.index(after: index)
        }
        return nil
    }

    static func isValue(_ text: Substring) -> Bool {
        ["NaN", "+Inf", "-Inf", "Inf"].contains(text)
            || (Double(text) != nil && !text.contains("_"))
                && text.allSatisfy { $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
