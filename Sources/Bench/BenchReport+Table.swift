import Foundation

extension BenchReport {
    /// The rows as an aligned text table, one line each under a header. `ratio` is to
    /// glibc, or for the lock workloads to the plain mutex; `contention` is contended
    /// acquisitions over all where the target counts them.
    public func table() -> String {
        let header = ["workload", "target", "threads", "ops", "median ns", "min", "max", "ratio", "os_requests", "contention"]
        let lines = rows.map { row in
            [
                row.workload, row.target, String(row.threads), String(row.ops),
                Self.format(row.nsPerOp.median, 2), Self.format(row.nsPerOp.min, 2),
                Self.format(row.nsPerOp.max, 2),
                (row.ratioToGlibc ?? row.ratioToPlain).map { Self.format($0, 3) } ?? "-",
                row.osRequests.map(String.init) ?? "-",
                row.contentionRate.map { Self.format($0 * 100, 3) + "%" } ?? "-",
            ]
        }
        let widths = header.indices.map { column in
            ([header] + lines).map { $0[column].count }.max()!
        }
        return ([header] + lines).map { cells in
            cells.indices.map { column in
                let pad = String(repeating: " ", count: widths[column] - cells[column].count)
                // Names read best flush left, numbers flush right.
                return column < 2 ? cells[column] + pad : pad + cells[column]
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    private static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
