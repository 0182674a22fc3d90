// libFuzzer target `multipart`: ChannelbookUpload's MultipartUpload (the sales upload's multipart/form-data
// reader), fed the body in chunks whose sizes come from the input.
//
// Byte 0 seeds the chunk sizes (1 to 64 bytes, or the whole body when it is 0). Byte 1 picks the Content-Type:
// when odd, the input's first line (up to LF) is the Content-Type, so the header reader is fuzzed too;
// otherwise it is `multipart/form-data; boundary=BOUNDARY`. The rest is the body. Asserts nothing but that
// nothing traps.
import ChannelbookUpload
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 2 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    var seed = UInt32(input[0])
    var body = input.dropFirst(2)
    var contentType = "multipart/form-data; boundary=BOUNDARY"
    if input[1] & 1 == 1 {
        let end = body.firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
        contentType = String(decoding: body[..<end], as: UTF8.self)
        body = body[(end < body.endIndex ? end + 1 : end)...]
    }
    var fileBytes = 0
    var upload: MultipartUpload
    do {
        upload = try MultipartUpload(contentType: contentType) { fileBytes += $0.readableBytes }
    } catch {
        _ = error.description
        return 0
    }
    do {
        var position = body.startIndex
        while position < body.endIndex {
            var size = body.endIndex - position
            if seed != 0 {
                seed = seed &* 1_103_515_245 &+ 12_345
                size = min(size, Int(seed >> 16) % 64 + 1)
            }
            try upload.consume(ByteBuffer(bytes: body[position..<(position + size)]))
            position += size
        }
        let result = try upload.finish()
        _ = result.fields.count + result.fileName.utf8.count
    } catch {
        _ = String(describing: error)
    }
    _ = fileBytes
    return 0
}
