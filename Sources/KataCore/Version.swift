/// The runtime's version, in one place for `kata-runtime version`, `env` and the shim.
public enum KataVersion {
    /// This runtime's release version.
    public static let version = "0.1.0"
    /// The OCI runtime-spec version the runtime implements.
    public static let ociSpec = "1.1.0"
}
