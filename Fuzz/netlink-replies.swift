import Netlink

/// An rtnetlink reply as recv(2) delivers it (from the host's kernel to the runtime, from the
/// guest's kernel to the agent): split into messages, each payload decoded as every object kind.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlinkReplies(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = fuzzBytes(data, count)
    guard let messages = try? NetlinkMessage.parse(input) else { return 0 }
    let carried = messages.reduce(0) { $0 + 16 + $1.payload.count }
    invariant(carried <= input.count, "messages carry \(carried) bytes of a \(input.count)-byte datagram")
    for message in messages {
        _ = try? message.errorCode()
        _ = try? LinkInfo(payload: message.payload)
        _ = try? AddressInfo(payload: message.payload)
        _ = try? RouteInfo(payload: message.payload)
        _ = try? NeighbourInfo(payload: message.payload)
    }
    return 0
}
