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
        var svg = "<svg width=\"\(width)\" height=\"\(height + 44)\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
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
}
