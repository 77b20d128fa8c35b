import KataCore
import Testing

@testable import KataAgentService

/// Expects `request` to be refused by its validation with `.invalidArgument`, the message
/// starting with the name of the field at fault.
func expectRefusal(
    _ request: some ValidatedRequest, field: String, paths: GuestPaths, sourceLocation: SourceLocation
) {
    do {
        try request.validate(paths)
        Issue.record("accepted \(request)", sourceLocation: sourceLocation)
    } catch let error as KataError {
        #expect(error.code == .invalidArgument, "\(error)", sourceLocation: sourceLocation)
        #expect(
            error.message.hasPrefix(field), "\(error.message) names \(field)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}
