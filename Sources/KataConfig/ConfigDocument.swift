import KataCore
import TOMLKit

/// One parsed TOML file: the main configuration or a drop-in fragment.
struct ConfigDocument: Sendable {
    let file: String
    let root: [String: ConfigValue]

    /// Reads and parses `path`; every failure names the file (and, for syntax, line and column).
    static func read(_ path: String) throws -> ConfigDocument {
        try parse(FileSystem.readText(path), file: path)
    }

    static func parse(_ text: String, file: String) throws -> ConfigDocument {
        if let problem = TOMLHeaderCheck.firstKeylessHeader(in: text) {
            throw KataError(
                .invalidConfig,
                "\(file): line \(problem.line), column \(problem.column): TOML syntax error: "
                    + "a table header must start with a key")
        }
        do {
            // TOMLKit offers no way to free a parsed table; the few small files a process
            // reads make that leak negligible.
            let table = try TOMLTable(string: text)
            return ConfigDocument(file: file, root: ConfigValue.dictionary(of: table))
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw KataError(
                .invalidConfig,
                "\(file): line \(position.line), column \(position.column): TOML syntax error: \(error.description)"
            )
        }
    }
}
