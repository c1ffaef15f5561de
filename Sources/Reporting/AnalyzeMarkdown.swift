import Foundation

/// `report.md` of an analyze report: the configurations side by side, the real
/// allocators beside the model, then per configuration its memory chart and where its
/// memory stays at the peak and at the end.
public enum AnalyzeMarkdown {
    public static func render(_ report: AnalyzeReport) -> String {
        var m: [String] = []
        m.append("# analyze: \(report.name)")
        m.append("")
        m.append("Trace `\(report.trace)`: \(report.ops) ops on \(report.threads) threads"
                 + (report.callers.map { ", callers from `\($0)`" } ?? "") + "; analysed \(report.startedAt).")
        m.append("")
        m.append("## The model, per configuration")
        m.append("")
        m.append(table(["configuration", "arenas", "peak held (op)", "final held", "of which mmapped", "final resident", "final live", "fragmentation",
                        "kernel requests", "ns/op", "malloc_trim(0) gives back"],
                       report.configurations.map { c in
                           [c.name, "\(c.arenas)", "\(Format.bytes(c.peakHeldBytes)) (\(c.peakOp))", Format.bytes(c.finalHeldBytes),
                            Format.bytes(c.finalMmappedBytes),
                            c.finalResidentBytes.map(Format.bytes) ?? "-", Format.bytes(c.finalLiveBytes),
                            c.fragmentation.map { String(format: "%.3f", $0) } ?? "-", "\(c.kernelRequests)",
                            String(format: "%.0f", c.nsPerOp), Format.bytes(c.trimmableBytes)]
                       }))
        m.append("")
        m.append("Held: bytes the allocator holds from the kernel (heaps, break, mmapped chunks). Resident: pages of the heaps "
                 + "in memory. Live: bytes the trace's live blocks asked for. Fragmentation: 1 - in use / held at the end. "
                 + "malloc_trim(0) gives back: resident bytes released when the model trims after the last op.")
        let real = report.configurations.flatMap { c in c.real.map { (c.name, $0) } }
        if !real.isEmpty {
            m.append("")
            m.append("## Real allocators, each in a child process of its own")
            m.append("")
            m.append(table(["configuration", "allocator", "ns/op", "peak RSS", "final RSS", "RSS before the first op", "arenas", "final held"],
                           real.map { name, r in
                               r.note.map { [name, r.target, $0, "", "", "", "", ""] }
                                   ?? [name, r.target, r.nsPerOp.map { String(format: "%.0f", $0) } ?? "-",
                                       r.peakResidentBytes.map(Format.bytes) ?? "-", r.finalResidentBytes.map(Format.bytes) ?? "-",
                                       r.startResidentBytes.map(Format.bytes) ?? "-", r.arenas.map(String.init) ?? "-",
                                       r.finalHeldBytes.map(Format.bytes) ?? "-"]
                           }))
            m.append("")
            m.append("RSS is the whole child process's (VmHWM and VmRSS of /proc/self/status), its code and runtime included: "
                     + "compare it with the RSS before the first op. Time per op includes handing each op to its thread.")
        }
        for c in report.configurations {
            m.append("")
            m.append("## \(c.name)\(c.tunables.isEmpty ? "" : " (\(c.tunables))")")
            m.append("")
            m.append("![memory over the trace](\(AnalyzeCharts.file(c)))")
            if !c.heapMapsAtPeak.isEmpty || !c.heapMapsAtEnd.isEmpty {
                m.append("")
                m.append("![the heaps at the peak and at the end](\(AnalyzeCharts.heapMapFile(c)))")
            }
            m.append("")
            m.append("### At the peak of held bytes, after op \(c.peakOp)")
            m.append("")
            m += arenaTable(c.atPeak, trimmable: false)
            m.append("")
            m.append("### At the end")
            m.append("")
            m += arenaTable(c.atEnd, trimmable: true)
            if let k = c.concurrent {
                m.append("")
                m.append("### The trace's threads at once (--concurrent)")
                m.append("")
                m.append("\(k.threads) threads, each on a pthread of its own\(k.pinningFailures > 0 ? " (\(k.pinningFailures) not pinned)" : ", pinned"); "
                         + "\(k.arenas) arena\(k.arenas == 1 ? "" : "s"), final held \(Format.bytes(k.finalHeldBytes)), \(String(format: "%.0f", k.nsPerOp)) ns/op. "
                         + "Which arena a thread gets depends on when it gets there, so these figures may change from run to run.")
                m.append("")
                m.append(table(["arena", "acquisitions", "contended", "contended share", "owner changes", "wait p50", "wait p99", "wait max"],
                               k.locks.map { l in
                                   ["\(l.arena)", "\(l.acquisitions)", "\(l.contended)",
                                    l.acquisitions == 0 ? "-" : String(format: "%.4f", Double(l.contended) / Double(l.acquisitions)),
                                    "\(l.ownerChanges)", l.waitP50Nanoseconds.map { "\($0) ns" } ?? "-",
                                    l.waitP99Nanoseconds.map { "\($0) ns" } ?? "-", l.waitMaxNanoseconds.map { "\($0) ns" } ?? "-"]
                               }))
            }
        }
        return m.joined(separator: "\n") + "\n"
    }

    /// Per arena, held, resident and in-use bytes, where the free bytes sit, and the
    /// chunk that keeps each heap's top from shrinking.
    static func arenaTable(_ arenas: [ArenaMemory], trimmable: Bool) -> [String] {
        var m = [table(["arena", "heaps", "held", "resident", "in use", "tcache", "fastbins", "unsorted", "small", "large", "top"]
                       + (trimmable ? ["trim gives back"] : []),
                       arenas.map { a in
                           ["\(a.arena)", "\(a.heaps)", Format.bytes(a.heldBytes), a.residentBytes.map(Format.bytes) ?? "-",
                            Format.bytes(a.inUseBytes), Format.bytes(a.free.tcache), Format.bytes(a.free.fastbins),
                            Format.bytes(a.free.unsorted), Format.bytes(a.free.small), Format.bytes(a.free.large), Format.bytes(a.free.top)]
                               + (trimmable ? [a.trimmableBytes.map(Format.bytes) ?? "-"] : [])
                       })]
        let keepers = arenas.flatMap { a in a.topKeepers.map { (a.arena, $0) } }
        if !keepers.isEmpty {
            m.append("")
            m.append("What keeps each heap's top from shrinking (the chunk in use nearest below it):")
            m.append("")
            for (arena, k) in keepers { m.append("- " + keeperText(arena: arena, k)) }
        }
        return m
    }

    /// One top keeper in words.
    public static func keeperText(arena: Int, _ k: TopKeeper) -> String {
        let who: String
        switch k.owner {
        case "block":
            who = "a block of op \(k.op.map(String.init) ?? "?")" + (k.line.map { " (line \($0))" } ?? "")
                + (k.thread.map { ", thread \($0)" } ?? "") + (k.caller.map { ", caller \($0)" } ?? "")
        case "tcache": who = "a thread's tcache structure"
        default: who = "a chunk no op of the trace made"
        }
        return "arena \(arena) heap \(k.heap): 0x\(String(k.offset, radix: 16)) (\(Format.bytes(k.size))), \(who); "
            + "\(Format.bytes(k.topBytes)) of top above it"
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        ([header, header.map { _ in "---" }] + rows).map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
    }
}
