import Foundation
import Testing

/// The RuntimeClass manifests and the containerd handler snippet under configuration/ agree
/// with each other and with the shipped configuration files: one class per configuration, named
/// as upstream (kata-qemu, kata-qemu-coco-dev, kata-qemu-sev, kata-qemu-snp, kata-qemu-tdx),
/// handler = class name, each handler's ConfigPath naming its configuration file.
@Suite struct ShippedRuntimeClassTests {
    static let configuration: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/configuration"
    }()

    static let expected: [String: String] = [
        "kata-qemu": "configuration-qemu.toml",
        "kata-qemu-coco-dev": "configuration-qemu-coco-dev.toml",
        "kata-qemu-sev": "configuration-qemu-sev.toml",
        "kata-qemu-snp": "configuration-qemu-snp.toml",
        "kata-qemu-tdx": "configuration-qemu-tdx.toml",
    ]

    /// `key: value` at the given indentation, quotes removed (our manifests are flat YAML).
    static func field(_ key: String, in text: String, indent: Int) -> String? {
        let prefix = String(repeating: " ", count: indent) + key + ":"
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
            return nil
        }
        return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    @Test func everyShippedConfigurationHasItsRuntimeClass() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.configuration)
            .filter { $0.hasPrefix("configuration-") && $0.hasSuffix(".toml") }
        #expect(Set(files) == Set(Self.expected.values))
        let manifests = try FileManager.default.contentsOfDirectory(
            atPath: Self.configuration + "/runtimeclasses")
        #expect(Set(manifests) == Set(Self.expected.keys.map { $0 + ".yaml" }))
        for name in Self.expected.keys.sorted() {
            let text = try String(
                contentsOfFile: "\(Self.configuration)/runtimeclasses/\(name).yaml", encoding: .utf8)
            #expect(Self.field("kind", in: text, indent: 0) == "RuntimeClass", "\(name)")
            #expect(Self.field("apiVersion", in: text, indent: 0) == "node.k8s.io/v1", "\(name)")
            #expect(Self.field("name", in: text, indent: 2) == name)
            #expect(Self.field("handler", in: text, indent: 0) == name)
            // A confidential VM reserves its whole memory up front: upstream's larger overhead.
            let confidential = ["kata-qemu-sev", "kata-qemu-snp", "kata-qemu-tdx"].contains(name)
            #expect(
                Self.field("memory", in: text, indent: 4) == (confidential ? "2048Mi" : "160Mi"), "\(name)")
            #expect(Self.field("cpu", in: text, indent: 4) == (confidential ? "1.0" : "250m"), "\(name)")
        }
    }

    @Test func theContainerdSnippetRegistersEveryHandler() throws {
        let text = try String(
            contentsOfFile: Self.configuration + "/containerd/kata-runtimes.toml", encoding: .utf8)
        let prefix = #"[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."#
        var handlers: [String: String] = [:]
        var current: String?
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix(prefix) && line.hasSuffix("]") && !line.hasSuffix(".options]") {
                current = String(line.dropFirst(prefix.count).dropLast())
                handlers[current!] = ""
            } else if let handler = current, line.hasPrefix("ConfigPath = ") {
                handlers[handler] = line.replacingOccurrences(of: "ConfigPath = ", with: "")
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            } else if let handler = current, line.hasPrefix("runtime_type = ") {
                #expect(line == #"runtime_type = "io.containerd.kata.v2""#, "\(handler)")
            } else if let handler = current, line.hasPrefix("pod_annotations = ") {
                #expect(line == #"pod_annotations = ["io.katacontainers.*"]"#, "\(handler)")
            }
        }
        #expect(handlers == Self.expected.mapValues { "/usr/share/defaults/kata-containers/" + $0 })
    }
}
