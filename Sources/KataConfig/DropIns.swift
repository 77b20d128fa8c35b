/// `config.d/` drop-in fragments beside the main configuration file.
enum DropIns {
    /// The `*.toml` files of `config.d/` next to `mainPath`, in alphabetical (byte) order.
    /// A missing directory means no fragments.
    static func fragments(beside mainPath: String) throws -> [String] {
        let directory = self.directory(beside: mainPath)
        guard let names = try FileSystem.directoryEntries(directory) else { return [] }
        return names.filter { $0.hasSuffix(".toml") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { "\(directory)/\($0)" }
    }

    static func directory(beside mainPath: String) -> String {
        guard let slash = mainPath.lastIndex(of: "/") else { return "config.d" }
        let parent = mainPath[..<slash]
        return parent.isEmpty ? "/config.d" : "\(parent)/config.d"
    }
}
