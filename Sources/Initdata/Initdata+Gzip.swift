import CZlib

extension Initdata {
    /// One gzip member, inflated into at most `limit` bytes: a gzip bomb stops at the limit
    /// rather than at the memory's end. Bytes after the member are refused: another reader that
    /// went on to a second member would see a document other than the one measured.
    static func gunzip(_ input: [UInt8], limit: Int) throws(InitdataProblem) -> [UInt8] {
        guard input.count >= 2, input[0] == 0x1f, input[1] == 0x8b else {
            throw InitdataProblem("not gzip (no 1f 8b magic)")
        }
        var stream = z_stream()
        // 15 + 16: a gzip wrapper only (no zlib, no raw deflate), the maximum window.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw InitdataProblem("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        // One byte more than allowed: inflating into it means the document is too large.
        var output = [UInt8](repeating: 0, count: limit + 1)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        let produced = Int(stream.total_out)
        if produced > limit {
            throw InitdataProblem("the decompressed document is larger than \(limit) bytes")
        }
        switch status {
        case Z_STREAM_END:
            guard stream.avail_in == 0 else {
                throw InitdataProblem("\(stream.avail_in) bytes follow the gzip stream")
            }
            return Array(output[0..<produced])
        case Z_BUF_ERROR:
            throw InitdataProblem("the gzip stream is truncated")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw InitdataProblem("not valid gzip: \(reason)")
        }
    }
}
