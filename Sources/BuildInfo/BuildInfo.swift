/// Facts stamped at build time (see Plugins/GitCommitStamp).
public enum BuildInfo {
    /// The git commit the binary was built from (`-dirty` if the tree had changes).
    public static var commit: String { gitCommit }
}
