#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decides which annotations a pod (untrusted input) may use, from `enable_annotations` and the
/// `valid_*` glob lists.
struct AnnotationPolicy {
    private let patterns: [(source: String, regex: Regex<AnyRegexOutput>)]

    /// Invalid regular expressions are rejected when the configuration is loaded; here they
    /// simply match nothing.
    init(enableAnnotations: [String]) {
        patterns = enableAnnotations.compactMap { source in (try? Regex(source)).map { (source, $0) } }
    }

    /// Whether `name` is enabled. Hypervisor annotations are named by their suffix as upstream
    /// (`default_vcpus`); agent and runtime ones as `agent.<suffix>` / `runtime.<suffix>`.
    /// Unlike upstream, each expression must match the whole name, so "path" does not also
    /// enable "jailer_path".
    func isEnabled(_ name: String) -> Bool {
        patterns.contains { (try? $0.regex.wholeMatch(in: name)) != nil }
    }

    /// Nil when `path` matches one of `globs` (fnmatch(3) with FNM_PATHNAME | FNM_PERIOD, so `*`
    /// stays within one directory and never matches "." or ".."), else the reason it does not.
    static func pathProblem(_ path: String, globs: [String]) -> String? {
        guard path.hasPrefix("/") else { return "'\(path)' is not an absolute path" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if components.contains(where: { $0 == "." || $0 == ".." || $0.isEmpty }) {
            return "'\(path)' is not a normalised path"
        }
        if globs.contains(where: { fnmatch($0, path, FNM_PATHNAME | FNM_PERIOD) == 0 }) { return nil }
        return "'\(path)' matches none of the allowed patterns"
    }
}
