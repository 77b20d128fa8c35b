import NIOCore

@testable import TTRPC

/// ttrpc framing: the input is split into pieces (sizes taken from its first byte) and fed to the
/// reader the connection handler uses. Every frame returned must re-encode to exactly the bytes
/// it was read from, and an error may only be the oversize-length refusal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTTRPCFrames(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = fuzzBytes(data, count)
    guard let first = input.first else { return 0 }
    let stream = Array(input.dropFirst())
    let piece = Int(first % 32) + 1
    var reader = FrameReader()
    var encoded: [UInt8] = []
    var offset = 0
    do {
        while offset < stream.count {
            reader.append(Array(stream[offset..<min(stream.count, offset + piece)]))
            offset += piece
            while let frame = try reader.next() {
                var buffer = ByteBuffer()
                do {
                    try frame.encode(into: &buffer)
                } catch {
                    invariant(false, "a decoded frame does not encode: \(error)")
                }
                encoded += buffer.readableBytesView
            }
        }
    } catch {
        return 0
    }
    invariant(encoded.count + reader.bufferedBytes == stream.count, "frames lost or invented bytes")
    invariant(encoded == Array(stream.prefix(encoded.count)), "a frame re-encodes differently")
    return 0
}
