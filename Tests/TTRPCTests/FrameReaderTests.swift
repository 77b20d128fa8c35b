import KataCore
import NIOCore
import Testing

@testable import TTRPC

@Suite struct FrameReaderTests {
    static func bytes(_ frame: Frame) -> [UInt8] {
        var buffer = ByteBuffer()
        do {
            try frame.encode(into: &buffer)
        } catch {
            Issue.record("cannot encode \(frame): \(error)")
        }
        return Array(buffer: buffer)
    }

    static func frame(_ id: UInt32, _ type: FrameType, _ text: String, flags: FrameFlags = []) -> Frame {
        Frame(streamID: id, type: type, flags: flags, payload: ByteBuffer(string: text))
    }

    @Test func headerLayoutIsBigEndian() {
        let encoded = Self.bytes(Self.frame(0x0102_0304, .data, "hi", flags: [.remoteClosed, .noData]))
        #expect(encoded == [0, 0, 0, 2, 1, 2, 3, 4, 3, 5, UInt8(ascii: "h"), UInt8(ascii: "i")])
    }

    @Test func splitFramesArriveByteByByte() throws {
        let sent = [Self.frame(1, .request, "first"), Self.frame(3, .request, "")]
        var reader = FrameReader()
        var got: [Frame] = []
        for byte in sent.flatMap(Self.bytes) {
            reader.append([byte])
            while let frame = try reader.next() { got.append(frame) }
        }
        #expect(got == sent)
        #expect(reader.bufferedBytes == 0)
    }

    @Test func coalescedFramesInOneRead() throws {
        let sent = (0..<50).map {
            Self.frame(UInt32($0 * 2 + 1), .response, String(repeating: "x", count: $0))
        }
        var reader = FrameReader()
        reader.append(ByteBuffer(bytes: sent.flatMap(Self.bytes)))
        var got: [Frame] = []
        while let frame = try reader.next() { got.append(frame) }
        #expect(got == sent)
    }

    @Test func partialHeaderWaitsForMore() throws {
        var reader = FrameReader()
        let encoded = Self.bytes(Self.frame(7, .data, "payload"))
        reader.append(Array(encoded[..<9]))
        #expect(try reader.next() == nil)
        reader.append(Array(encoded[9..<12]))
        #expect(try reader.next() == nil)
        reader.append(Array(encoded[12...]))
        #expect(try reader.next() == Self.frame(7, .data, "payload"))
    }

    @Test func oversizeFrameIsRejectedFromItsHeader() {
        var reader = FrameReader()
        // Header only: the reader must refuse without waiting for 4 MiB + 1 bytes.
        reader.append([0x00, 0x40, 0x00, 0x01, 0, 0, 0, 9, 1, 0])
        #expect {
            try reader.next()
        } throws: { ($0 as? KataError)?.code == .malformedInput }
    }

    /// The length field is 32 bits and the limit 4 MiB: a bigger payload is refused by the
    /// encoder (the `UInt32(...)` conversion used to trap past 4 GiB) and nothing is written.
    @Test func oversizePayloadIsRefusedByTheEncoder() throws {
        var buffer = ByteBuffer()
        let frame = Frame(
            streamID: 3, type: .data, payload: ByteBuffer(repeating: 1, count: Frame.maxPayloadLength + 1))
        #expect {
            try frame.encode(into: &buffer)
        } throws: { error in
            (error as? KataError)?.code == .invalidArgument
                && (error as? KataError)?.message.contains("exceeds the 4194304-byte limit") == true
        }
        #expect(buffer.readableBytes == 0)
        let largest = Frame(
            streamID: 3, type: .data, payload: ByteBuffer(repeating: 1, count: Frame.maxPayloadLength))
        try largest.encode(into: &buffer)
        #expect(buffer.readableBytes == Frame.headerLength + Frame.maxPayloadLength)
        var reader = FrameReader()
        reader.append(buffer)
        #expect(try reader.next() == largest)
    }

    /// Every length field value is handled without arithmetic traps: 0xFFFFFFFF and the first
    /// value past the limit are refused from the header alone, the limit itself waits for bytes.
    @Test(arguments: [UInt32.max, UInt32(Frame.maxPayloadLength) + 1, UInt32(Frame.maxPayloadLength)])
    func lengthFieldExtremes(_ length: UInt32) throws {
        var reader = FrameReader()
        var header = ByteBuffer()
        header.writeInteger(length, endianness: .big)
        header.writeInteger(UInt32(1), endianness: .big)
        header.writeBytes([1, 0])
        reader.append(header)
        if Int(length) > Frame.maxPayloadLength {
            #expect(throws: KataError.self) { try reader.next() }
        } else {
            #expect(try reader.next() == nil)
            #expect(reader.bufferedBytes == Frame.headerLength)
        }
    }

    @Test func largestAllowedFrameIsAccepted() throws {
        var reader = FrameReader(maxPayloadLength: 1024)
        reader.append(
            Self.bytes(Frame(streamID: 1, type: .data, payload: ByteBuffer(repeating: 7, count: 1024))))
        #expect(try reader.next()?.payload.readableBytes == 1024)
    }

    @Test func unknownTypesAreDecodedForTheOwnerToSkip() throws {
        var reader = FrameReader()
        let unknown = Frame(streamID: 5, type: FrameType(rawValue: 0x7f), flags: FrameFlags(rawValue: 0x80))
        reader.append(Self.bytes(unknown) + Self.bytes(Self.frame(5, .request, "next")))
        let first = try #require(try reader.next())
        #expect(first.type.rawValue == 0x7f && first.flags.rawValue == 0x80)
        #expect(first.type.description == "unknown(127)")
        #expect(try reader.next() == Self.frame(5, .request, "next"))
    }

    @Test func interleavedStreamsKeepTheirIdsAndOrder() throws {
        let sent = [
            Self.frame(1, .request, "a1"), Self.frame(3, .request, "b1"), Self.frame(1, .data, "a2"),
            Self.frame(3, .data, "b2", flags: .remoteClosed),
            Self.frame(1, .data, "", flags: [.remoteClosed, .noData]),
        ]
        var reader = FrameReader()
        // Feed in chunks that cut through headers and payloads alike.
        let all = sent.flatMap(Self.bytes)
        var got: [Frame] = []
        for start in stride(from: 0, to: all.count, by: 7) {
            reader.append(Array(all[start..<min(start + 7, all.count)]))
            while let frame = try reader.next() { got.append(frame) }
        }
        #expect(got == sent)
        #expect(got.filter { $0.streamID == 1 }.map { String(buffer: $0.payload) } == ["a1", "a2", ""])
    }
}
