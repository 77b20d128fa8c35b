import Foundation
import OCI

/// A bundle's config.json, decoded as the shim decodes it (Foundation's JSONDecoder over the OCI
/// module's Codable types). What decodes must encode and decode back to the same spec.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOCISpec(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = Data(fuzzBytes(data, count))
    guard let spec = try? JSONDecoder().decode(Spec.self, from: input) else { return 0 }
    let encoded = try? JSONEncoder().encode(spec)
    invariant(encoded != nil, "a decoded spec does not encode")
    let again = try? JSONDecoder().decode(Spec.self, from: encoded!)
    invariant(again == spec, "a spec does not survive encoding")
    return 0
}
