/// Bar charts drawn on the server as inline SVG: pages stay readable without JavaScript.
enum SVGChart {
    /// Vertical bars with their labels and values; heights scale with integer arithmetic (values are money
    /// in minor units or counts, and a picture needs no rounding rule).
    /// `palette` colours the bars in turn (two colours: pairs of bars side by side, such as current and proposed).
    static func bars(_ values: [(label: String, value: Int64, caption: String)], title: String, height: Int64 = 160, palette: [String] = ["#2a7"]) -> String {
        guard !values.isEmpty else { return "" }
        let barWidth = 56, gap = 16
        let largest = max(1, values.map(\.value).max() ?? 1)
        let width = values.count * (barWidth + gap) + gap
        var svg = "<svg width=\"\(width)\" height=\"\(height + 44)\" viewBox=\"0 0 \(width) \(height + 44)\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
        for (index, entry) in values.enumerated() {
            // In 128 bits: a stored figure near the 64-bit limit times the height must not trap.
            let barHeight = Int64(Int128(max(0, entry.value)) * Int128(height) / Int128(largest))
            let x = gap + index * (barWidth + gap)
            svg += "<rect x=\"\(x)\" y=\"\(height - barHeight + 14)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"\(palette[index % palette.count])\"/>"
            svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(height - barHeight + 10)\" font-size=\"10\" text-anchor=\"middle\">\(HTML.escape(entry.caption))</text>"
            svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(height + 30)\" font-size=\"11\" text-anchor=\"middle\">\(HTML.escape(entry.label))</text>"
        }
        return svg + "</svg>"
    }

    /// Colours told apart by people with the common colour-vision deficiencies (Okabe–Ito), darkened for contrast on white.
    static let seriesPalette = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#6b6b6b", "#e69f00"]

    /// Several series over the same categories (quarters): `stacked` piles a category's values into one bar (its
    /// caption the category's total), otherwise each series has its own bar. Negative values (net returns) draw
    /// nothing — the caption and the table beside the chart carry them. A legend names the series. `caption` writes the
    /// short label over a bar, `detail` the exact value in its tooltip.
    static func series(
        categories: [String], series: [(name: String, values: [Int64])], title: String, stacked: Bool, caption: (Int64) -> String,
        detail: (Int64) -> String, height: Int64 = 160
    ) -> String {
        guard !categories.isEmpty, !series.isEmpty else { return "" }
        let gap = 16, barWidth = stacked ? 56 : max(10, min(28, 72 / series.count))
        let groupWidth = stacked ? barWidth : barWidth * series.count
        let totals = categories.indices.map { index in series.reduce(Int128(0)) { $0 + Int128(max(0, $1.values[index])) } }
        let largest = max(1, stacked ? totals.max() ?? 1 : Int128(series.flatMap(\.values).max() ?? 1))
        let width = max(categories.count * (groupWidth + gap) + gap, 320)
        let legendRows = (series.count + 2) / 3
        var svg = "<svg width=\"\(width)\" height=\"\(Int(height) + 48 + legendRows * 16)\" viewBox=\"0 0 \(width) \(Int(height) + 48 + legendRows * 16)\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
        func scaled(_ value: Int128) -> Int64 { Int64(max(0, value) * Int128(height) / largest) }
        for (index, category) in categories.enumerated() {
            let x = gap + index * (groupWidth + gap)
            var top = height + 14
            for (number, entry) in series.enumerated() {
                let barHeight = scaled(Int128(entry.values[index]))
                // Stacked: on the bar below it, full width; side by side: its own slot with a gap.
                if stacked { top -= barHeight }
                let (barX, barY, span) = stacked ? (x, top, barWidth) : (x + number * barWidth, height + 14 - barHeight, barWidth - 2)
                svg += "<rect x=\"\(barX)\" y=\"\(barY)\" width=\"\(span)\" height=\"\(barHeight)\" fill=\"\(seriesPalette[number % seriesPalette.count])\">"
                    + "<title>\(HTML.escape("\(category) \(entry.name): \(detail(entry.values[index]))"))</title></rect>"
            }
            if stacked {
                let total = Int64(exactly: series.reduce(Int128(0)) { $0 + Int128($1.values[index]) }).map(caption) ?? "beyond 64 bits"
                svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(top - 4)\" font-size=\"10\" text-anchor=\"middle\">\(HTML.escape(total))</text>"
            }
            svg += "<text x=\"\(x + groupWidth / 2)\" y=\"\(height + 30)\" font-size=\"11\" text-anchor=\"middle\">\(HTML.escape(category))</text>"
        }
        for (number, entry) in series.enumerated() {
            let x = gap + (number % 3) * 150, y = Int(height) + 40 + (number / 3) * 16
            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"10\" height=\"10\" fill=\"\(seriesPalette[number % seriesPalette.count])\"/>"
            svg += "<text x=\"\(x + 14)\" y=\"\(y + 9)\" font-size=\"11\">\(HTML.escape(entry.name))</text>"
        }
        return svg + "</svg>"
    }
}
