/// Plain-text tables like kubectl's: columns left-aligned, three spaces apart.
enum TextTable {
    /// The rows (the first is the header), one line each, ending in a newline.
    static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }
            .joined()
        }.joined(separator: "\n") + "\n"
    }
}
