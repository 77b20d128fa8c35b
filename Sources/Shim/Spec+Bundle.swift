import Foundation
import KataCore
import OCI

extension Spec {
    /// The OCI spec containerd wrote into a bundle (`<bundle>/config.json`); errors name the file.
    static func load(bundle: String) throws -> Spec {
        let path = "\(bundle)/config.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KataError(.notFound, "\(path): cannot read the OCI spec")
        }
        do {
            return try JSONDecoder().decode(Spec.self, from: data)
        } catch {
            throw KataError(.invalidArgument, "\(path): not a valid OCI spec: \(error)")
        }
    }
}
