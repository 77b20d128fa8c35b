/// How one key of a TOML section is read and stored, and whether an annotation may set it.
/// A field with no `store` is an upstream key this runtime accepts (type-checked) but does not use.
struct ConfigField<Section> {
    let key: String
    let kind: ValueKind
    let store: ((inout Section, ConfigValue) throws(FieldProblem) -> Void)?
    let annotation: AnnotationRule<Section>?
}

/// Which annotation (the part after `io.katacontainers.config.<component>.`) overrides a field,
/// how a list is split, and, for paths, which `valid_*` glob list the value must match.
struct AnnotationRule<Section> {
    let name: String
    var listSeparator: Character = ","
    var allowedPaths: (globs: KeyPath<Section, [String]>, key: String)? = nil

    static func named(_ name: String, separator: Character = ",") -> Self {
        Self(name: name, listSeparator: separator)
    }

    /// A path option; `key` is the TOML name of `globs`, for error messages.
    static func path(_ name: String, within globs: KeyPath<Section, [String]>, _ key: String) -> Self {
        Self(name: name, allowedPaths: (globs, key))
    }
}

extension ConfigField {
    static func string(
        _ key: String, _ path: WritableKeyPath<Section, String>, oneOf allowed: [String]? = nil,
        annotation: AnnotationRule<Section>? = nil
    ) -> Self {
        Self(
            key: key, kind: .string,
            store: { (section, value) throws(FieldProblem) in
                guard case .string(let text) = value else { return }
                if let allowed, !allowed.contains(text) {
                    throw FieldProblem("'\(text)' is not one of: \(allowed.joined(separator: ", "))")
                }
                section[keyPath: path] = text
            }, annotation: annotation)
    }

    static func integer(
        _ key: String, _ path: WritableKeyPath<Section, Int>, in range: ClosedRange<Int>,
        annotation: AnnotationRule<Section>? = nil
    ) -> Self {
        Self(
            key: key, kind: .integer,
            store: { (section, value) throws(FieldProblem) in
                guard case .integer(let number) = value else { return }
                guard range.contains(number) else {
                    throw FieldProblem("\(number) is outside \(range.lowerBound)...\(range.upperBound)")
                }
                section[keyPath: path] = number
            }, annotation: annotation)
    }

    static func boolean(
        _ key: String, _ path: WritableKeyPath<Section, Bool>, annotation: AnnotationRule<Section>? = nil
    ) -> Self {
        Self(
            key: key, kind: .boolean,
            store: { (section, value) throws(FieldProblem) in
                guard case .boolean(let flag) = value else { return }
                section[keyPath: path] = flag
            }, annotation: annotation)
    }

    static func strings(
        _ key: String, _ path: WritableKeyPath<Section, [String]>, annotation: AnnotationRule<Section>? = nil
    ) -> Self {
        Self(
            key: key, kind: .stringList,
            store: { (section, value) throws(FieldProblem) in
                guard case .array(let items) = value else { return }
                section[keyPath: path] = items.compactMap {
                    if case .string(let text) = $0 { text } else { nil }
                }
            }, annotation: annotation)
    }

    /// A string restricted to the raw values of an enum.
    static func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, _ path: WritableKeyPath<Section, Choice>, annotation: AnnotationRule<Section>? = nil
    ) -> Self where Choice.RawValue == String {
        Self(
            key: key, kind: .string,
            store: { (section, value) throws(FieldProblem) in
                guard case .string(let text) = value else { return }
                guard let choice = Choice(rawValue: text) else {
                    let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                    throw FieldProblem("'\(text)' is not one of: \(names)")
                }
                section[keyPath: path] = choice
            }, annotation: annotation)
    }

    /// An upstream key that this runtime accepts without acting on it.
    static func unused(_ key: String, _ kind: ValueKind) -> Self {
        Self(key: key, kind: kind, store: nil, annotation: nil)
    }
}
