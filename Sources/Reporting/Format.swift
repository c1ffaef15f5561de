import Foundation

/// How figures read in every text the project prints: the terminal summary, the
/// progress line, report.md, index.html.
public enum Format {
    /// Bytes in B, KiB, MiB or GiB.
    public static func bytes(_ n: Int) -> String {
        let d = Double(n)
        return n >= 1 << 30 ? String(format: "%.2f GiB", d / 1_073_741_824) : n >= 1 << 20 ? String(format: "%.1f MiB", d / 1_048_576)
            : n >= 1 << 10 ? String(format: "%.1f KiB", d / 1024) : "\(n) B"
    }

    /// A rate per second: `2.92 M`, `428.4 k`, `58`.
    public static func rate(_ r: Double) -> String {
        r >= 1e6 ? String(format: "%.2f M", r / 1e6) : r >= 1e3 ? String(format: "%.1f k", r / 1e3) : String(format: "%.0f", r)
    }

    /// A phase's sampled call latencies: `malloc p50 31 p99 120 ns, free p50 25 p99 90 ns`.
    public static func latency(_ calls: [OpLatency]?) -> String? {
        guard let calls, !calls.isEmpty else { return nil }
        return calls.map { "\($0.call) p50 \($0.summary.p50) p99 \($0.summary.p99)" }.joined(separator: ", ") + " ns"
    }
}
