import ArenaModel
import ArenaStress
import Contention
import Fidelity
import Glibc
import HeapCheck
import Reporting
import Targets

/// One configuration `analyze` replays a trace under: the trace's tunables with
/// settings over them.
public struct AnalysisConfiguration: Sendable {
    /// How reports name it: `default` or the settings, as `arena_max=1`.
    public var name: String
    /// The tunables the model and glibc replay with.
    public var tunables: Tunables

    public init(name: String, tunables: Tunables) {
        self.name = name
        self.tunables = tunables
    }
}

/// `arenastress analyze`: a trace replayed under each configuration, on the model (where
/// memory stays, at the peak and at the end) and on the real allocators.
public enum TraceAnalyzer {
    /// Memory samples taken over a trace, at most (plus the last op).
    static let sampleCount = 400

    /// The model's figures for `source` under `configuration`.
    ///
    /// The sequential replay is deterministic, so it runs twice: the first time to the
    /// end (timed, sampled, the final census, then malloc_trim(0) to see what it gives
    /// back), the second time to the op after which held bytes first peaked, for the
    /// census at the peak. (A concurrent replay, which is not deterministic, cannot be
    /// run to its peak again: it would take the census each time held bytes reach a new
    /// high, or go without one.)
    public static func model(_ source: TraceSource, _ configuration: AnalysisConfiguration) -> AnalyzedConfiguration {
        let census = ArenaCensus(source: source)
        let ops = source.trace.events.count
        let every = max(1, ops / sampleCount)
        let replay = SequentialModelReplay(source.trace, tunables: configuration.tunables)
        let set = replay.set
        var samples: [MemorySample] = []
        var peakHeld = 0, peakOp = 0, peakLive = 0
        var elapsed: UInt64 = 0
        while !replay.isDone {
            let batchEnd = min(replay.next + every, ops)
            let started = monotonicNanoseconds()
            while replay.next < batchEnd {
                replay.step()
                let held = set.heldBytes
                if held > peakHeld {
                    peakHeld = held
                    peakOp = replay.next - 1
                }
                peakLive = max(peakLive, replay.slots.liveBytes)
            }
            elapsed &+= monotonicNanoseconds() &- started
            samples.append(MemorySample(op: replay.next - 1, heldBytes: set.heldBytes, residentBytes: ResidentPages.bytes(set.ownedRegions),
                                        liveBytes: replay.slots.liveBytes))
        }
        let info = set.mallinfo2
        let views = set.arenas
        var atEnd = census.take(set, slots: replay.slots)
        let mapsAtEnd = HeapMapper.maps(HeapChecker().dump(set)).maps
        let finalResident = ResidentPages.bytes(set.ownedRegions)
        let kernelRequests = set.osCounters.total
        let arenaCount = set.arenaCount
        // What malloc_trim(0) gives back, per arena: resident before and after it.
        let before = views.map { ResidentPages.bytes(census.regions(of: $0, set)) ?? 0 }
        set.trim(0)
        var trimmable = 0
        for (i, view) in set.arenas.enumerated() where i < before.count {
            let released = max(0, before[i] - (ResidentPages.bytes(census.regions(of: view, set)) ?? 0))
            trimmable += released
            if let k = atEnd.firstIndex(where: { $0.arena == view.index }) { atEnd[k].trimmableBytes = released }
        }

        let again = SequentialModelReplay(source.trace, tunables: configuration.tunables)
        while again.next <= peakOp && !again.isDone { again.step() }
        let atPeak = ops == 0 ? [] : census.take(again.set, slots: again.slots)
        let mapsAtPeak = ops == 0 ? [] : HeapMapper.maps(HeapChecker().dump(again.set)).maps

        var analyzed = AnalyzedConfiguration(
            name: configuration.name, tunables: configuration.tunables.traceSettings.map { "\($0.name)=\($0.value)" }.joined(separator: " "),
            arenas: arenaCount, peakHeldBytes: peakHeld, peakOp: peakOp, finalHeldBytes: info.arena + info.hblkhd,
            finalInUseBytes: info.uordblks + info.hblkhd, finalResidentBytes: finalResident, finalLiveBytes: replay.slots.liveBytes,
            finalMmappedBytes: info.hblkhd, peakLiveBytes: peakLive, kernelRequests: kernelRequests, nsPerOp: ops == 0 ? 0 : Double(elapsed) / Double(ops),
            trimmableBytes: trimmable, memory: samples, atPeak: atPeak, atEnd: atEnd)
        analyzed.heapMapsAtPeak = mapsAtPeak
        analyzed.heapMapsAtEnd = mapsAtEnd
        return analyzed
    }

    /// The trace replayed on `target` (`glibc`, or a peer preloaded into glibc-replay) in
    /// a child of its own under `configuration`'s tunables (glibc's GLIBC_TUNABLES). A peer
    /// the child cannot load is reported as not available, with the reason.
    public static func real(_ source: TraceSource, _ configuration: AnalysisConfiguration, target: String,
                            replayer: GlibcReplayer) -> RealReplay {
        var preload: String?
        if target != "glibc" {
            guard let peer = Peer(name: target) else { return RealReplay(target: target, note: "not available: no such allocator") }
            preload = peer.path
        }
        let measured: MeasuredReplay
        do {
            measured = try replayer.measure(source.path, tunables: configuration.tunables, preload: preload)
        } catch {
            return RealReplay(target: target, note: "not available: \(error)")
        }
        if let preload, !measured.otherAllocator {
            let package = Peer(name: target).map { " (Debian package \($0.debianPackage))" } ?? ""
            return RealReplay(target: target, note: "not available: \(preload) could not be preloaded\(package)")
        }
        let isGlibc = preload == nil
        return RealReplay(target: target, nsPerOp: measured.ops == 0 ? 0 : Double(measured.nanoseconds) / Double(measured.ops),
                          startResidentBytes: measured.residentAtStart, peakResidentBytes: measured.peakResident,
                          finalResidentBytes: measured.finalResident, arenas: isGlibc ? measured.glibcArenas : nil,
                          finalHeldBytes: isGlibc ? measured.glibcHeld : nil)
    }
}
