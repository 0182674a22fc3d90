// libFuzzer target `rows`: every import row parser (sales, partners, price book, closed referrals) over CSV.
//
// The first byte picks the row kind (bits 0-1), whether the header comes from the input or is the kind's
// canonical header so every record is a data row (bit 2), and the program currency (bits 3-4: AUD, JPY,
// KWD, CLF: 2, 0, 3 and 4 decimals). The rest is the CSV file. Asserts nothing but that nothing traps.
import ChannelbookCore
import ChannelbookImport

private let currencies = ["AUD", "JPY", "KWD", "CLF"].compactMap { Currency(code: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let selector = input[0]
    let currency = currencies[Int(selector >> 3) & 3]
    let columns: (required: [String], optional: [String])
    switch selector & 3 {
    case 0: columns = (SalesRow.requiredColumns, [])
    case 1: columns = (PartnerRow.requiredColumns, PartnerRow.optionalColumns)
    case 2: columns = (PriceRow.requiredColumns, PriceRow.optionalColumns)
    default: columns = (ClosedReferralRow.requiredColumns, [])
    }
    var bytes = Array(input.dropFirst())
    if selector & 4 != 0 { bytes = Array((columns.required + columns.optional).joined(separator: ",").utf8) + [UInt8(ascii: "\n")] + bytes }
    let reader = CSVReader(bytes: bytes)
    var problems = ImportProblems(file: "fuzz.csv")
    var rows = 0
    do {
        guard let headerRecord = try reader.next() else { return 0 }
        let header: CSVHeader
        switch CSVHeader.read(headerRecord, required: columns.required, optional: columns.optional, file: "fuzz.csv") {
        case .success(let found): header = found
        case .failure(let headerProblems):
            _ = headerProblems.lines
            return 0
        }
        var limit = RowLimit(maximum: 16, noun: "rows")
        while let record = try reader.next() {
            guard limit.admit(record, &problems) else { continue }
            switch selector & 3 {
            case 0:
                if let row = SalesRow.parse(record, header: header, currency: currency, problems: &problems) {
                    rows += row.amount.decimalString.utf8.count + row.reseller.description.utf8.count + row.source.description.utf8.count
                }
            case 1:
                if let row = PartnerRow.parse(record, header: header, problems: &problems) { rows += row.distributors.count }
            case 2:
                if let row = PriceRow.parse(record, header: header, currency: currency, problems: &problems) {
                    rows += row.partnerBuyPrice.displayString.utf8.count
                }
            default:
                if let row = ClosedReferralRow.parse(record, header: header, problems: &problems) { rows += Int(row.seats) }
            }
        }
    } catch {
        problems.add(error)
    }
    _ = problems.lines
    _ = rows
    return 0
}
