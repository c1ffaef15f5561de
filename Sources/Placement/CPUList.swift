/// The kernel's list notation for CPU and node sets (`0-3,8,10-11`), both ways.
public enum CPUList {
    /// `[0, 1, 2, 3, 8]` as `0-3,8`; empty as `none`.
    public static func text(_ values: [Int]) -> String {
        let sorted = Array(Set(values)).sorted()
        guard var start = sorted.first else { return "none" }
        var parts: [String] = []
        var end = start
        for v in sorted.dropFirst() {
            if v == end + 1 { end = v; continue }
            parts.append(start == end ? "\(start)" : "\(start)-\(end)")
            start = v
            end = v
        }
        parts.append(start == end ? "\(start)" : "\(start)-\(end)")
        return parts.joined(separator: ",")
    }

    /// `0-3,8` as `[0, 1, 2, 3, 8]` (sysfs `cpulist` files); malformed parts are skipped.
    public static func parse(_ text: String) -> [Int] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }).flatMap { part -> [Int] in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            guard let first = bounds.first, let last = bounds.last, first <= last else { return [] }
            return Array(first...last)
        }
    }
}
