import Foundation
import Reporting

/// What `analyze` prints when it is done: per configuration the model's figures, the
/// real allocators' beside them, and where the model's memory stays at the end.
enum AnalyzeSummary {
    static func text(_ report: AnalyzeReport) -> String {
        var lines = ["analyze \(report.trace): \(report.ops) ops on \(report.threads) threads"]
        for c in report.configurations {
            lines.append("\(c.name): model: \(c.arenas) arena\(c.arenas == 1 ? "" : "s"), peak held \(Format.bytes(c.peakHeldBytes)) (op \(c.peakOp)), "
                         + "final held \(Format.bytes(c.finalHeldBytes))\(c.finalMmappedBytes > 0 ? " (mmapped chunks \(Format.bytes(c.finalMmappedBytes)))" : ""), resident \(c.finalResidentBytes.map(Format.bytes) ?? "-"), "
                         + "live \(Format.bytes(c.finalLiveBytes)), fragmentation \(c.fragmentation.map { String(format: "%.3f", $0) } ?? "-"), "
                         + "\(c.kernelRequests) kernel requests, \(String(format: "%.0f", c.nsPerOp)) ns/op; "
                         + "malloc_trim(0) would give back \(Format.bytes(c.trimmableBytes))")
            for r in c.real {
                if let note = r.note {
                    lines.append("  \(r.target): \(note)")
                    continue
                }
                lines.append("  \(r.target): " + (r.arenas.map { "\($0) arena\($0 == 1 ? "" : "s"), " } ?? "")
                             + "peak RSS \(r.peakResidentBytes.map(Format.bytes) ?? "-"), final RSS \(r.finalResidentBytes.map(Format.bytes) ?? "-") "
                             + "(\(r.startResidentBytes.map(Format.bytes) ?? "-") before the first op), "
                             + "\(r.nsPerOp.map { String(format: "%.0f", $0) } ?? "-") ns/op")
            }
            if let k = c.concurrent {
                lines.append("  model, threads at once: \(k.arenas) arena\(k.arenas == 1 ? "" : "s"), final held \(Format.bytes(k.finalHeldBytes)), "
                             + "\(String(format: "%.0f", k.nsPerOp)) ns/op\(k.pinningFailures > 0 ? ", \(k.pinningFailures) threads not pinned" : "")")
                for l in k.locks {
                    lines.append("    arena \(l.arena) lock: \(l.acquisitions) acquisitions, \(l.contended) contended"
                                 + (l.waitP99Nanoseconds.map { ", wait p50 \(l.waitP50Nanoseconds ?? 0) ns, p99 \($0) ns" } ?? ""))
                }
            }
            for a in c.atEnd {
                let f = a.free
                let sitting = [("tcache", f.tcache), ("fastbins", f.fastbins), ("unsorted", f.unsorted), ("small", f.small),
                               ("large", f.large), ("top", f.top)].filter { $0.1 > 0 }.map { "\($0.0) \(Format.bytes($0.1))" }
                lines.append("  arena \(a.arena) at the end: held \(Format.bytes(a.heldBytes)), in use \(Format.bytes(a.inUseBytes)), free: "
                             + (sitting.isEmpty ? "none" : sitting.joined(separator: ", "))
                             + (a.trimmableBytes.map { "; trim gives back \(Format.bytes($0))" } ?? ""))
                for k in a.topKeepers { lines.append("    top kept by " + AnalyzeMarkdown.keeperText(arena: a.arena, k)) }
            }
        }
        return lines.joined(separator: "\n")
    }
}
