import KataCore

extension KataConfiguration {
    /// Prefix of the annotations that override configuration settings.
    public static let annotationPrefix = "io.katacontainers.config."

    /// Applies a pod's `io.katacontainers.config.{hypervisor,agent,runtime}.*` annotations.
    /// Annotations come from untrusted pod specs: each must be enabled by
    /// `hypervisor.qemu.enable_annotations`, and a path must match the option's `valid_*` globs;
    /// anything else is rejected with `.invalidConfig` naming the annotation and the reason.
    /// Other annotations are not configuration and are ignored.
    public func applyingAnnotations(_ annotations: [String: String]) throws -> KataConfiguration {
        let policy = AnnotationPolicy(enableAnnotations: hypervisor.enableAnnotations)
        var result = self
        for name in annotations.keys.sorted() where name.hasPrefix(Self.annotationPrefix) {
            let annotation = Annotation(name: name, value: annotations[name]!)
            let rest = String(name.dropFirst(Self.annotationPrefix.count))
            if let suffix = rest.dropping(prefix: "hypervisor.") {
                try annotation.apply(
                    suffix, policyName: suffix, policy, QEMUConfig.fields + QEMUConfig.annotationOnlyFields,
                    hypervisor, &result.hypervisor)
            } else if let suffix = rest.dropping(prefix: "agent.") {
                try annotation.apply(
                    suffix, policyName: rest, policy, AgentConfig.fields, agent, &result.agent)
            } else if let suffix = rest.dropping(prefix: "runtime.") {
                try annotation.apply(
                    suffix, policyName: rest, policy, RuntimeConfig.fields, runtime, &result.runtime)
            }
        }
        try result.validate(origin: "after applying annotations")
        return result
    }
}

/// One annotation being applied; every error names it.
private struct Annotation {
    let name: String
    let value: String

    /// Path globs are read from `original`, the section before any annotation, so an annotation
    /// can never widen them.
    func apply<Section>(
        _ suffix: String, policyName: String, _ policy: AnnotationPolicy, _ fields: [ConfigField<Section>],
        _ original: Section, _ section: inout Section
    ) throws {
        guard policy.isEnabled(policyName) else {
            throw reject(
                "not enabled by hypervisor.qemu.enable_annotations (an entry matching \"\(policyName)\")")
        }
        guard let field = fields.first(where: { $0.annotation?.name == suffix }), let rule = field.annotation,
            let store = field.store
        else { throw reject("this runtime does not support overriding this setting") }
        do throws(FieldProblem) {
            let parsed = try field.kind.parseAnnotation(value, listSeparator: rule.listSeparator)
            if let allowed = rule.allowedPaths,
                let problem = AnnotationPolicy.pathProblem(value, globs: original[keyPath: allowed.globs])
            {
                throw FieldProblem("\(problem) in hypervisor.qemu.\(allowed.key)")
            }
            try store(&section, parsed)
        } catch {
            throw reject(error.message)
        }
    }

    private func reject(_ reason: String) -> KataError {
        KataError(.invalidConfig, "annotation \(name): \(reason)")
    }
}

extension String {
    fileprivate func dropping(prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
