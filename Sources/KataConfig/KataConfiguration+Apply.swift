import KataCore

/// Keys of upstream sections this runtime does not use at all.
private struct UnusedSection {
    static var factory: [ConfigField<UnusedSection>] {
        [
            .unused("enable_template", .boolean), .unused("template_path", .string),
            .unused("vm_cache_number", .integer), .unused("vm_cache_endpoint", .string),
        ]
    }
    static var image: [ConfigField<UnusedSection>] {
        [.unused("provision", .string), .unused("service_offload", .boolean)]
    }
}

/// Hypervisor tables upstream knows and this runtime deliberately does not run.
private let otherHypervisors: Set<String> = [
    "clh", "firecracker", "dragonball", "stratovirt", "remote", "acrn",
]

extension KataConfiguration {
    /// Applies one file on top of the current settings, key by key (drop-ins override earlier
    /// files this way). Returns whether the file has a `[hypervisor.qemu]` table.
    @discardableResult
    mutating func apply(_ document: ConfigDocument, warnings: inout [ConfigWarning]) throws -> Bool {
        let context = SectionContext(file: document.file)
        var hasQEMU = false
        for key in document.root.keys.sorted() {
            let value = document.root[key]!
            switch key {
            case "hypervisor":
                for (name, table) in try context.subtables(value, of: key) {
                    if name == "qemu" {
                        try context.apply(
                            table, at: "hypervisor.qemu", QEMUConfig.fields, to: &hypervisor, &warnings)
                        hasQEMU = true
                    } else if otherHypervisors.contains(name) {
                        throw KataError(
                            .invalidConfig,
                            "\(document.file): [hypervisor.\(name)]: this runtime supports only [hypervisor.qemu]"
                        )
                    } else {
                        warnings.append(ConfigWarning(file: document.file, key: "hypervisor.\(name)"))
                    }
                }
            case "agent":
                for (name, table) in try context.subtables(value, of: key) {
                    if name == "kata" {
                        try context.apply(table, at: "agent.kata", AgentConfig.fields, to: &agent, &warnings)
                    } else {
                        warnings.append(ConfigWarning(file: document.file, key: "agent.\(name)"))
                    }
                }
            case "runtime":
                try context.apply(value, at: key, RuntimeConfig.fields, to: &runtime, &warnings)
            case "factory", "image":
                var unused = UnusedSection()
                let fields = key == "factory" ? UnusedSection.factory : UnusedSection.image
                try context.apply(value, at: key, fields, to: &unused, &warnings)
            default:
                warnings.append(ConfigWarning(file: document.file, key: key))
            }
        }
        return hasQEMU
    }
}

/// Reads the tables of one file and names the file in every error.
private struct SectionContext {
    let file: String

    func subtables(_ value: ConfigValue, of key: String) throws -> [(String, ConfigValue)] {
        guard case .table(let tables) = value else {
            throw typeError(key, expected: "table", found: value.typeName)
        }
        return tables.keys.sorted().map { ($0, tables[$0]!) }
    }

    func apply<Section>(
        _ value: ConfigValue, at path: String, _ fields: [ConfigField<Section>], to section: inout Section,
        _ warnings: inout [ConfigWarning]
    ) throws {
        guard case .table(let table) = value else {
            throw typeError(path, expected: "table", found: value.typeName)
        }
        let byKey = Dictionary(fields.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for key in table.keys.sorted() {
            let fullKey = "\(path).\(key)"
            guard let field = byKey[key] else {
                warnings.append(ConfigWarning(file: file, key: fullKey))
                continue
            }
            let item = table[key]!
            if let found = field.kind.mismatch(item) {
                throw typeError(fullKey, expected: field.kind.name, found: found)
            }
            do {
                try field.store?(&section, item)
            } catch {
                throw KataError(.invalidConfig, "\(file): \(fullKey): \(error.message)")
            }
        }
    }

    private func typeError(_ key: String, expected: String, found: String) -> KataError {
        KataError(.invalidConfig, "\(file): \(key): expected \(expected), found \(found)")
    }
}
