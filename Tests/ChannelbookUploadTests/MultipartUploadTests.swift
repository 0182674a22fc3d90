import NIOCore
import Testing

@testable import ChannelbookUpload

/// Reads `body` split into the given chunks; the file's bytes and the result, or the error.
func upload(_ body: [UInt8], contentType: String = "multipart/form-data; boundary=\(boundary)", splitAt cuts: [Int] = []) throws -> (file: [UInt8], result: MultipartUpload.Result) {
    final class Collected: @unchecked Sendable { var bytes: [UInt8] = [] }
    let file = Collected()
    var reader = try MultipartUpload(contentType: contentType) { file.bytes.append(contentsOf: $0.readableBytesView) }
    var start = 0
    for cut in cuts + [body.count] where cut >= start {
        try reader.consume(ByteBuffer(bytes: body[start..<cut]))
        start = cut
    }
    return (file.bytes, try reader.finish())
}

let boundary = "----channelbook-test-boundary"

func form(csrf: String = "token-1", file: String = "line_id,date\nU1,2026-02-01\n", fileName: String = "sales.csv") -> [UInt8] {
    Array(
        """
        preamble to ignore\r
        --\(boundary)\r
        Content-Disposition: form-data; name="csrf"\r
        \r
        \(csrf)\r
        --\(boundary)\r
        Content-Disposition: form-data; name="file"; filename="\(fileName)"\r
        Content-Type: text/csv\r
        \r
        \(file)\r
        --\(boundary)--\r
        epilogue to ignore, even --\(boundary)\r

        """.utf8)
}

@Suite struct MultipartUploadTests {
    @Test func aFieldGivenTwiceIsRefusedNeverJoined() throws {
        let body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n5\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n0\r\n".utf8)
            + form()
        #expect(throws: MultipartUploadError.repeatedField("amount")) { try upload(body) }
    }

    @Test func aFormOfSeveralFilesTakesEachAndMayHoldNone() throws {
        final class Files: @unchecked Sendable { var names: [String] = []; var bytes = 0 }
        let files = Files()
        func read(_ body: [UInt8]) throws -> MultipartUpload.Result {
            var reader = try MultipartUpload(contentType: "multipart/form-data; boundary=\(boundary)") { files.names.append($0) } file: { files.bytes += $0.readableBytes }
            try reader.consume(ByteBuffer(bytes: body))
            return try reader.finish()
        }
        let part = { (name: String) in "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n\r\nabc\r\n" }
        _ = try read(Array((part("a.pdf") + part("b.png") + "--\(boundary)--\r\n").utf8))
        #expect(files.names == ["a.pdf", "b.png"] && files.bytes == 6)
        let none = try read(Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n5\r\n--\(boundary)--\r\n".utf8))
        #expect(none.fields == ["amount": "5"] && none.fileName == "")
    }

    @Test func readsTheFileAndTheFields() throws {
        let (file, result) = try upload(form(file: "a,b\r\n1,2\r\n--not-the-boundary\r\n\r"))
        #expect(file == Array("a,b\r\n1,2\r\n--not-the-boundary\r\n\r".utf8))
        #expect(result == MultipartUpload.Result(fileName: "sales.csv", fields: ["csrf": "token-1"], fileBytes: file.count))
    }

    @Test func aBodySplitAtEveryBytePositionParsesTheSame() throws {
        // Content that nearly holds the delimiter, at a split, must come out whole.
        let body = form(csrf: "Zoë’s token", file: "x\r\n--\(boundary.dropLast())\r\r\n-\r\n--\r\nCafé\r")
        let whole = try upload(body)
        #expect(whole.result.fields["csrf"] == "Zoë’s token")
        for cut in 0...body.count {
            let split = try upload(body, splitAt: [cut])
            #expect(split.file == whole.file, "split at \(cut)")
            #expect(split.result == whole.result, "split at \(cut)")
        }
        let byteByByte = try upload(body, splitAt: Array(0...body.count))
        #expect(byteByByte.file == whole.file && byteByByte.result == whole.result)
    }

    @Test func aBodyCutOffBeforeItsClosingBoundaryIsRefused() throws {
        let body = form()
        let closing = Array("--\(boundary)--".utf8)
        let closedAt = try #require(firstIndex(of: closing, in: body)) + closing.count
        for length in 0..<closedAt {
            #expect(throws: MultipartUploadError.self, "cut at \(length)") { try upload(Array(body[..<length])) }
        }
        #expect(throws: MultipartUploadError.truncated) { try upload(Array(body[..<(closedAt - 1)])) }
        #expect(throws: MultipartUploadError.truncated) { try upload([]) }
        #expect(try upload(Array(body[..<closedAt])).result.fileName == "sales.csv")
    }

    @Test func aContentTypeWithoutBoundaryOrNotFormDataIsRefused() {
        let noFile: (ByteBuffer) throws -> Void = { _ in }
        #expect(throws: MultipartUploadError.noBoundary) { try MultipartUpload(contentType: "multipart/form-data", file: noFile) }
        #expect(throws: MultipartUploadError.noBoundary) { try MultipartUpload(contentType: "multipart/form-data; charset=utf-8", file: noFile) }
        #expect(throws: MultipartUploadError.notFormData) { try MultipartUpload(contentType: "text/csv; boundary=x", file: noFile) }
        #expect(throws: MultipartUploadError.notFormData) { try MultipartUpload(contentType: "", file: noFile) }
        #expect(throws: MultipartUploadError.notFormData) { try MultipartUpload(contentType: "multipart/form-dataX; boundary=x", file: noFile) }
        #expect(throws: MultipartUploadError.self) { try MultipartUpload(contentType: "multipart/form-data; boundary=", file: noFile) }
        #expect(throws: MultipartUploadError.self) { try MultipartUpload(contentType: "multipart/form-data; boundary=\"\"", file: noFile) }
        #expect(throws: MultipartUploadError.self) {
            try MultipartUpload(contentType: "multipart/form-data; boundary=\(String(repeating: "b", count: 71))", file: noFile)
        }
        #expect(throws: MultipartUploadError.self) { try MultipartUpload(contentType: "multipart/form-data; boundary=a\rb", file: noFile) }
    }

    @Test func boundariesAreReadAsBrowsersAndCurlWriteThem() throws {
        #expect(try MultipartUpload.boundary(contentType: "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk") == "----WebKitFormBoundary7MA4YWxk")
        #expect(try MultipartUpload.boundary(contentType: "Multipart/Form-Data;BOUNDARY=\"a b=c\"") == "a b=c")
        #expect(throws: MultipartUploadError.self) { try MultipartUpload.boundary(contentType: "multipart/form-data; boundary=\"a;b\"") }
        #expect(try MultipartUpload.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=x ") == "x")
    }

    @Test func fieldsBeyondTheBoundAreDroppedWholeNeverCutShort() throws {
        let long = String(repeating: "x", count: MultipartUpload.maximumFieldBytes)
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nshort\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"long\"\r\n\r\n\(long)\r\n".utf8)
        for index in 0..<2000 {  // many small fields: their names count too, so the dictionary stays bounded
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"f\(index)\"\r\n\r\n\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata\r\n--\(boundary)--".utf8)
        for cuts in [[], [100, 200, 4200], Array(stride(from: 0, to: body.count, by: 7))] {
            let (file, result) = try upload(body, splitAt: cuts)
            #expect(file == Array("data".utf8))
            #expect(result.fileName == "upload.csv")
            #expect(result.fields["csrf"] == "short")
            #expect(result.fields["long"] == nil)
            let kept = result.fields.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            #expect(kept <= MultipartUpload.maximumFieldBytes)
            #expect(result.fields.count > 100 && result.fields.count < 2001)
        }
    }

    @Test func aFormWithoutAFileOrWithTwoIsRefused() {
        let fieldOnly = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nt\r\n--\(boundary)--\r\n".utf8)
        #expect(throws: MultipartUploadError.noFilePart) { try upload(fieldOnly) }
        let part = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx\r\n"
        #expect(throws: MultipartUploadError.moreThanOneFilePart) { try upload(Array((part + part + "--\(boundary)--").utf8)) }
    }

    @Test func malformedBodiesAreErrorsNotTraps() {
        for text in [
            "--\(boundary)\r\n\u{80}bad: x\r\n\r\n",  // a header name byte >= 0x80 (MultipartKit 4.7.1 traps on it)
            "--\(boundary)\r\nno colon here\r\n\r\n",
            "--\(boundary)\r\n: no name\r\n\r\n",
            "--\(boundary)X\r\n",
            "--\(boundary)-X",
            "--\(boundary)\rX",
            "--\(boundary)\r\n" + String(repeating: "h", count: MultipartUpload.maximumHeaderBytes + 1),
        ] {
            #expect(throws: MultipartUploadError.self, "\(text.debugDescription)") { try upload(Array(text.utf8)) }
        }
    }

    @Test func fileNamesAndParametersAreUnquoted() throws {
        let body = "--\(boundary) \t\r\nCONTENT-DISPOSITION: form-data; Name=\"file\"; filename=\"Q1; \\\"final\\\".csv\"\r\n\r\nx\r\n--\(boundary)--"
        #expect(try upload(Array(body.utf8)).result.fileName == "Q1; \"final\".csv")
        #expect(MultipartUpload.parameters("form-data; name=file ;x").map(\.name) == ["form-data", "name", "x"])
    }

    @Test func whatTheSinkThrowsEndsTheUpload() throws {
        struct DiskFull: Error {}
        var reader = try MultipartUpload(contentType: "multipart/form-data; boundary=\(boundary)") { _ in throw DiskFull() }
        #expect(throws: DiskFull.self) { try reader.consume(ByteBuffer(bytes: form())) }
        #expect(throws: MultipartUploadError.alreadyFinished) { try reader.finish() }
    }
}

private func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}
