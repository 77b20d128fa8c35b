import KataCore
import NIOCore

/// Splits a byte stream into frames. A pure value type: feed it bytes as they arrive, in
/// pieces of any size, and take out every complete frame.
///
/// A frame that declares more than `maxPayloadLength` bytes is an error: the stream cannot be
/// resynchronised after it, so the owner closes the connection.
struct FrameReader {
    private var buffer = ByteBuffer()
    let maxPayloadLength: Int

    init(maxPayloadLength: Int = Frame.maxPayloadLength) {
        self.maxPayloadLength = maxPayloadLength
    }

    /// Bytes received but not yet returned as a frame.
    var bufferedBytes: Int { buffer.readableBytes }

    mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            // Common case: nothing pending, adopt the incoming buffer without copying.
            buffer = bytes
        } else {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    mutating func append(_ bytes: [UInt8]) {
        buffer.writeBytes(bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    /// Throws `KataError(.malformedInput)` for an oversize frame.
    mutating func next() throws -> Frame? {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= Frame.headerLength,
            let length = buffer.getInteger(at: start, endianness: .big, as: UInt32.self),
            let streamID = buffer.getInteger(at: start + 4, endianness: .big, as: UInt32.self),
            let type = buffer.getInteger(at: start + 8, as: UInt8.self),
            let flags = buffer.getInteger(at: start + 9, as: UInt8.self)
        else { return nil }
        guard Int(length) <= maxPayloadLength else {
            throw KataError(
                .malformedInput,
                "ttrpc frame on stream \(streamID) declares \(length) payload bytes; the limit is "
                    + "\(maxPayloadLength)")
        }
        guard buffer.readableBytes >= Frame.headerLength + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.headerLength)
        let payload = buffer.readSlice(length: Int(length)) ?? ByteBuffer()
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex > 1 << 16 {
            buffer.discardReadBytes()
        }
        return Frame(
            streamID: streamID, type: FrameType(rawValue: type), flags: FrameFlags(rawValue: flags),
            payload: payload)
    }
}
