import Foundation
import Scenario

/// `report.md`: the page a person reads first. The verdict, each expectation, the key
/// numbers of every point and phase, the charts, and the violations with their detail
/// (hex dumps and the last operations on the chunk).
public enum MarkdownReport {
    /// What `check_content` made the workers verify, in words.
    public static func contentCheck(_ check: ContentCheck) -> String {
        switch check {
        case .full: "full (`check_content: full`): every byte of every live block, at every heap check and before every free"
        case .headTail: "head and tail (`check_content: head-tail`): the first and last 8 bytes of each live block only, so writes into the middle of a block go unseen"
        }
    }

    public static func render(_ report: RunReport, figures: [ReportCharts.Figure]) -> String {
        let s = report.scenario
        var md: [String] = []
        md.append("# \(s.name): \(report.passed ? "PASSED" : "FAILED")")
        md.append("")
        if let description = s.description { md.append(description.trimmingCharacters(in: .whitespacesAndNewlines)); md.append("") }
        md.append("Run \(report.startedAt) on \(report.host.hostname) (\(report.host.kernel), CPUs \(report.host.cpus.map(String.init).joined(separator: ","))), "
                  + "from `\(report.file)`, seed \(s.seed), target \(s.target.rawValue); rerun with `arenastress replay report.json`.")
        md.append("")
        if !s.tunables.isEmpty { md.append("Tunables: " + tunables(s.tunables)); md.append("") }
        md.append("Content check: \(contentCheck(s.checkContent)).")
        md.append("")
        for p in report.points {
            md.append("## \(p.target), \(p.point.threads) threads, arenas \(p.point.arenas.rawValue)\(p.point.arenaMax.map { ", arena_max \($0)" } ?? ""): \(p.passed ? "passed" : "FAILED")")
            md.append("")
            if let note = p.placementNote { md.append("Placement\(p.placementAvailable == false ? " (unavailable)" : ""): \(note)"); md.append("") }
            if !p.expectations.isEmpty {
                md.append("| expectation | measured | |")
                md.append("|---|---|---|")
                for e in p.expectations { md.append("| \(cell(e.expectation)) | \(cell(e.measured)) | \(e.held ? "held" : "**FAILED** (\(e.location))") |") }
                md.append("")
            }
            md.append("| phase | ops | ops/s | held | resident | live | fragmentation | largest free | kernel requests | contention | checking |")
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for ph in p.phases {
                md.append("| \(ph.name) (\(ph.kind)) | \(ph.ops) | \(rate(ph.opsPerSecond)) | \(bytes(ph.heldBytes)) | \(bytes(ph.residentBytes)) | \(bytes(ph.liveBytes)) | "
                          + "\(ph.fragmentation.map { String(format: "%.3f", $0) } ?? "-") | \(bytes(ph.largestFreeChunk)) | \(ph.osRequests.map(String.init) ?? "-") | "
                          + "\(ph.locks.map { String(format: "%.2f%%", $0.contentionRate * 100) } ?? "-") | \(ph.checkCost ?? "-") |")
            }
            md.append("")
            let failing = p.phases.filter { ($0.allocationFailures ?? 0) > 0 }
            if !failing.isEmpty {
                md.append("Allocator calls that returned NULL (counted; the slot stays empty and the run goes on):")
                md.append("")
                for ph in failing {
                    md.append("- \(ph.name): \(ph.allocationFailures!)" + (ph.firstAllocationFailure.map { ", the first `\($0)` by worker \($0.worker)" } ?? ""))
                }
                md.append("")
            }
            let timed = p.phases.compactMap { ph in Format.latency(ph.latency).map { "| \(ph.name) | \($0) |" } }
            if !timed.isEmpty {
                md.append("Allocator calls, one in 256 timed (the call alone):")
                md.append("")
                md.append("| phase | latency |")
                md.append("|---|---|")
                md += timed
                md.append("")
            }
            if let busiest = p.phases.max(by: { ($0.locks?.acquisitions ?? 0) < ($1.locks?.acquisitions ?? 0) }), !busiest.locksByArena.isEmpty {
                md.append("Arena locks in phase \(busiest.name) (wait and hold in ns; hold sampled 1 in 64):")
                md.append("")
                md.append("| lock | acquisitions | contended | rate | owner changes | across CPUs | wait p50/p90/p99/max | hold p50/p99 |")
                md.append("|---|---:|---:|---:|---:|---:|---|---|")
                for l in busiest.locksByArena + busiest.locksByThread {
                    md.append("| \(l.scope) | \(l.acquisitions) | \(l.contended) | \(String(format: "%.2f%%", l.contentionRate * 100)) | \(l.ownerChanges) | \(l.crossCPUOwnerChanges) | "
                              + "\(l.wait.p50)/\(l.wait.p90)/\(l.wait.p99)/\(l.wait.max) | \(l.hold.p50)/\(l.hold.p99) |")
                }
                md.append("")
            }
            let label = ReportCharts.label(p)
            for f in figures where f.file.hasSuffix("-\(label).svg") { md.append("![\(f.title)](\(f.file))"); md.append("") }
            if let stopped = p.stoppedAfter { md.append("The run stopped after phase **\(stopped)**: the heap was found broken."); md.append("") }
            if !p.violations.isEmpty {
                md.append("### Violations (\(p.violations.count))")
                md.append("")
                for v in p.violations.prefix(20) {
                    md.append("- **\(v.invariant)** after \(v.phase): \(v.message)")
                    if !v.detail.isEmpty && v.detail != v.message {
                        md.append("")
                        md.append("```")
                        md.append(v.detail)
                        md.append("```")
                    }
                }
                if p.violations.count > 20 { md.append("- ... \(p.violations.count - 20) more in report.json") }
                md.append("")
            }
        }
        let sweep = figures.filter { ["throughput.svg", "contention.svg", "targets.svg"].contains($0.file) }
        if !sweep.isEmpty {
            md.append("## Across the sweep")
            md.append("")
            for f in sweep { md.append("![\(f.title)](\(f.file))"); md.append("") }
        }
        return md.joined(separator: "\n") + "\n"
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }

    static func rate(_ r: Double) -> String { Format.rate(r) }

    static func bytes(_ n: Int?) -> String { n.map(Format.bytes) ?? "-" }

    static func tunables(_ t: ScenarioTunables) -> String {
        let values: [(String, Int?)] = [("arena_max", t.arenaMax), ("arena_test", t.arenaTest), ("tcache_count", t.tcacheCount), ("mxfast", t.mxfast),
                                        ("mmap_threshold", t.mmapThreshold), ("trim_threshold", t.trimThreshold), ("top_pad", t.topPad), ("perturb", t.perturb)]
        var parts = values.compactMap { name, value in value.map { "\(name) \($0)" } }
        if t.arenaMaxSweep.count > 1 { parts.append("arena_max swept over \(t.arenaMaxSweep.map(String.init).joined(separator: ", "))") }
        return parts.joined(separator: ", ")
    }
}
