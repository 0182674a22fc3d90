// libFuzzer target `xlsx`: the Excel workbook reader (XLSXReader) over arbitrary bytes, written to a file as an upload
// would be. Asserts nothing but that reading never traps nor hangs (libFuzzer's -timeout): every input ends in records
// or a CSVError. The seeds are small valid workbooks; ZIP and XML mutations reach the inflate, index and parser paths.
import ChannelbookImport
import Foundation

private let path = NSTemporaryDirectory() + "channelbook-fuzz-xlsx-\(getpid()).xlsx"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Data(UnsafeRawBufferPointer(start: start, count: count))
    guard (try? bytes.write(to: URL(fileURLWithPath: path))) != nil else { return 0 }
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = XLSXReader.isWorkbook(path: path)
    var fields = 0
    do {
        let reader = try XLSXReader(path: path)
        while let record = try reader.next() { fields += record.fields.count + record.line }
    } catch {
        _ = error.description
    }
    _ = fields
    return 0
}
