import KataCore
import NIOCore

/// What a frame carries; unknown values are kept so a reader can skip them (newer peers).
struct FrameType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    var rawValue: UInt8

    static let request = FrameType(rawValue: 1)
    static let response = FrameType(rawValue: 2)
    static let data = FrameType(rawValue: 3)

    var description: String {
        switch self {
        case .request: "request"
        case .response: "response"
        case .data: "data"
        default: "unknown(\(rawValue))"
        }
    }
}

/// Per-frame flags, seen from the receiver: "remote" is the sender of the frame.
struct FrameFlags: OptionSet, Hashable, Sendable {
    var rawValue: UInt8

    /// The sender will send nothing more on this stream.
    static let remoteClosed = FrameFlags(rawValue: 0x1)
    /// On a request: the client will stream data frames after it.
    static let remoteOpen = FrameFlags(rawValue: 0x2)
    /// On a data frame: no payload, not even an empty message.
    static let noData = FrameFlags(rawValue: 0x4)
}

/// One ttrpc frame: a 10-byte header (length u32 BE, stream id u32 BE, type u8, flags u8)
/// followed by `length` payload bytes.
struct Frame: Hashable, Sendable {
    static let headerLength = 10
    /// Largest payload either side accepts (4 MiB, as containerd's ttrpc).
    static let maxPayloadLength = 4 << 20

    var streamID: UInt32
    var type: FrameType
    var flags: FrameFlags
    var payload: ByteBuffer

    init(streamID: UInt32, type: FrameType, flags: FrameFlags = [], payload: ByteBuffer = ByteBuffer()) {
        self.streamID = streamID
        self.type = type
        self.flags = flags
        self.payload = payload
    }

    /// Appends header and payload to `buffer`. A payload over `maxPayloadLength` is refused before
    /// anything is written: the peer would close the connection on it, and past 4 GiB the 32-bit
    /// length field could not hold it (the conversion used to trap).
    func encode(into buffer: inout ByteBuffer) throws(KataError) {
        let size = payload.readableBytes
        guard size <= Frame.maxPayloadLength, let length = UInt32(exactly: size) else {
            throw KataError(
                .invalidArgument,
                "ttrpc frame on stream \(streamID): a \(size)-byte payload exceeds the "
                    + "\(Frame.maxPayloadLength)-byte limit")
        }
        buffer.reserveCapacity(minimumWritableBytes: Frame.headerLength + size)
        buffer.writeInteger(length, endianness: .big)
        buffer.writeInteger(streamID, endianness: .big)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flags.rawValue)
        buffer.writeImmutableBuffer(payload)
    }
}
