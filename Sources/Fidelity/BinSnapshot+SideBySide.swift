extension BinSnapshot {
    /// The two snapshots row by row, model on the left, glibc on the right; `*` marks
    /// the rows that differ. Long lists show their first entries and how many more.
    public static func sideBySide(model: BinSnapshot, glibc: BinSnapshot, entries: Int = 6) -> String {
        var labels = model.rows.map(\.label)
        for row in glibc.rows where !labels.contains(row.label) { labels.append(row.label) }
        labels.sort { order($0) < order($1) }
        let width = 56
        var text = "  " + "bin".padding(toLength: 18, withPad: " ", startingAt: 0)
            + "model".padding(toLength: width, withPad: " ", startingAt: 0) + " | glibc\n"
        for label in labels {
            let m = model.row(label), g = glibc.row(label)
            let mark = m == g ? "  " : "* "
            text += mark + describe(label).padding(toLength: 18, withPad: " ", startingAt: 0)
                + shorten(m, entries).padding(toLength: width, withPad: " ", startingAt: 0) + " | " + shorten(g, entries) + "\n"
        }
        return text
    }

    /// Where a row goes: the main arena's, then each other arena's (`aK `) in order;
    /// in each, top, remainder, system_mem, binmap, fastbins, bins, tcache.
    private static func order(_ label: String) -> (Int, Int, Int) {
        let (arena, rest) = arenaPrefix(label)
        let words = rest.split(separator: " ")
        let kinds = ["top", "remainder", "system_mem", "binmap", "fast", "bin", "tcache"]
        let kind = words.first.flatMap { kinds.firstIndex(of: String($0)) } ?? kinds.count
        return (arena, kind, words.count > 1 ? Int(words[1]) ?? -1 : -1)
    }

    /// A label's arena (0 without an `aK ` prefix) and the label without it.
    static func arenaPrefix(_ label: String) -> (Int, Substring) {
        let words = label.split(separator: " ", maxSplits: 1)
        if words.count == 2, words[0].first == "a", let k = Int(words[0].dropFirst()) { return (k, words[1]) }
        return (0, Substring(label))
    }

    /// The label with the chunk size a bin holds, where it holds one size.
    private static func describe(_ label: String) -> String {
        let (arena, rest) = arenaPrefix(label)
        if arena > 0 { return "a\(arena) " + describe(String(rest)) }
        let words = label.split(separator: " ")
        guard words.count == 2, let i = Int(words[1]) else { return label }
        switch words[0] {
        case "fast", "tcache": return "\(label) (\(hex(0x20 + 0x10 * i)))"
        case "bin" where i == 1: return "\(label) (unsorted)"
        case "bin" where i < 64: return "\(label) (\(hex(0x10 * i)))"
        case "bin": return "\(label) (large)"
        default: return label
        }
    }

    private static func hex(_ n: Int) -> String { "0x" + String(n, radix: 16) }

    private static func shorten(_ row: Row?, _ entries: Int) -> String {
        guard let row else { return "(empty)" }
        // A tcache bin's row starts with its count.
        let isTcacheBin = row.label.hasPrefix("tcache ") && row.label != "tcache at" && !row.values.isEmpty
        let count = isTcacheBin ? "[\(row.values[0])] " : ""
        let list = isTcacheBin ? Array(row.values.dropFirst()) : row.values
        let shown = list.prefix(entries).joined(separator: " ")
        return count + (list.count > entries ? "\(shown) +\(list.count - entries) more" : shown)
    }
}
