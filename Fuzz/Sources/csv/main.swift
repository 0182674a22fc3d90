// libFuzzer target `csv`: the import files' CSV reader (CSVReader) over arbitrary bytes.
// Asserts nothing but that reading never traps: every input ends in records or a CSVError.
import ChannelbookImport

/// Tight limits reach the field-length, field-count and record-count refusals with short inputs.
private let tight: CSVLimits = {
    var limits = CSVLimits.standard
    limits.maximumFieldBytes = 16
    limits.maximumFields = 4
    limits.maximumRecords = 8
    return limits
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    for limits in [CSVLimits.standard, tight] {
        let reader = CSVReader(bytes: bytes, limits: limits)
        var fieldCount = 0
        do {
            while let record = try reader.next() {
                fieldCount += record.fields.count + record.line
                // What import reports show of a record.
                if let first = record.fields.first { fieldCount += first.utf8.count }
            }
        } catch {
            _ = error.description
        }
        _ = fieldCount
    }
    return 0
}
