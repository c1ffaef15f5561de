import Foundation

/// The heap map: every heap of the model, phase by phase, as a strip of cells coloured
/// by what fills them. In-use bytes are dark blue; free bytes take the colour of the
/// kind of free chunk holding most of them; a cell's in-use share sets how dark it is,
/// so a heap of scattered live blocks between free ones (the seed's swiss cheese)
/// shows as a pale strip speckled all along, and a compact heap as solid blocks.
enum HeapMapChart {
    static let colors: [Character: (r: Double, g: Double, b: Double)] = [
        "t": (0.99, 0.75, 0.25), "f": (0.95, 0.55, 0.10), "u": (0.60, 0.85, 0.40), "s": (0.40, 0.75, 0.95),
        "l": (0.75, 0.60, 0.95), "T": (0.85, 0.85, 0.85), ".": (1, 1, 1),
    ]
    static let used = (r: 0.05, g: 0.15, b: 0.45)
    static let stripWidth = 1024.0, stripHeight = 22.0, left = 230.0

    static func svg(title: String, rows: [(label: String, map: HeapMap)]) -> String {
        let height = 70 + Double(rows.count) * (stripHeight + 10) + 60
        var svg = SVG(width: left + stripWidth + 20, height: height)
        svg.text(10, 22, title, size: 15, bold: true)
        svg.text(10, 42, "each strip is one heap from its first chunk to the end of top, left to right; each cell is 1/1024 of it", size: 11)
        for (i, row) in rows.enumerated() {
            let y = 60 + Double(i) * (stripHeight + 10)
            svg.text(left - 8, y + 15, row.label, size: 11, anchor: .end)
            let map = row.map
            let cells = Array(map.free), used = Array(map.inUse)
            let w = stripWidth / Double(max(cells.count, 1))
            // Runs of equal cells become one rectangle.
            var start = 0
            while start < cells.count {
                var end = start + 1
                while end < cells.count && cells[end] == cells[start] && used[end] == used[start] { end += 1 }
                let share = Double(used[start].wholeNumberValue ?? 0) / 10
                let base = colors[cells[start]] ?? (1, 1, 1)
                let mix = (r: base.r + (Self.used.r - base.r) * share, g: base.g + (Self.used.g - base.g) * share, b: base.b + (Self.used.b - base.b) * share)
                svg.rect(left + Double(start) * w, y, Double(end - start) * w + 0.3, stripHeight, fill: hex(mix),
                         title: "\(row.label): bytes \(start * map.cellBytes)-\(end * map.cellBytes), \(Int(share * 100))% in use, free: \(name(cells[start]))")
                start = end
            }
            svg.rect(left, y, stripWidth, stripHeight, fill: "none", stroke: "#888")
        }
        let ly = 70 + Double(rows.count) * (stripHeight + 10)
        var x = left
        let legend: [(String, (r: Double, g: Double, b: Double))] = [("in use", used)] + HeapMap.freeKinds.map { ($0.name, colors[$0.code]!) }
        for (label, color) in legend {
            svg.rect(x, ly, 14, 14, fill: hex(color), stroke: "#888")
            svg.text(x + 20, ly + 12, label, size: 12)
            x += 30 + Double(label.count) * 7
        }
        svg.text(left, ly + 36, "darker = more of the cell in use; pale = free", size: 11)
        return svg.document
    }

    static func name(_ code: Character) -> String { HeapMap.freeKinds.first { $0.code == code }?.name ?? "none" }

    static func hex(_ c: (r: Double, g: Double, b: Double)) -> String {
        String(format: "#%02x%02x%02x", Int(c.r * 255), Int(c.g * 255), Int(c.b * 255))
    }
}
