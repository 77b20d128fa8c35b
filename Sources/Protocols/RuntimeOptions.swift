import SwiftProtobuf

extension Runtimeoptions_V1_Options {
    /// Type URL containerd puts on the Any it writes to a shim's stdin at `start`.
    public static let typeURL = protoMessageName
}
