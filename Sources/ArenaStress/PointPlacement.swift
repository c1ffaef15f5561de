import ArenaModel
import Placement
import Reporting
import Scenario
import Scheduler

/// Placement for one sweep point: the plan (worker -> CPU -> node), the binding of each
/// non-main heap to its creator's node, the page census after each phase, and the
/// point's placement figures against the plan.
///
/// Where placement cannot be done (mbind refused, pinning refused, no usable CPU on the
/// nodes asked for) the run goes on unbound or unpinned and `note` says so in one line.
final class PointPlacement: @unchecked Sendable {
    let plan: PlacementPlan
    let memory: MemoryPolicy
    let environment: PlacementEnvironment
    /// Records each heap's intended node, and binds it when binding is asked for and works.
    let regions: RegionBinder?
    /// Why heaps are not bound although the scenario asks for it, or nil.
    let bindingRefusal: String?

    /// Pages looked at per arena after each phase.
    static let pagesPerArena = 256

    /// The placement of `threads` workers under `spec`; `heapsAreModelled`: the target is the
    /// model, whose heaps can be bound and sampled.
    init(_ spec: ThreadsSpec, threads: Int, environment: PlacementEnvironment, heapsAreModelled: Bool) {
        self.environment = environment
        plan = PlacementPlan(policy: PlacementPolicy(spec.placement), threads: threads, topology: environment.topology)
        memory = MemoryPolicy(spec.memory)
        var refusal: String? = nil
        var effective = memory
        if memory != .none && !environment.probe.binds {
            refusal = "heaps not bound: \(environment.probe.note); pages left to first touch"
            effective = .none
        }
        bindingRefusal = heapsAreModelled ? refusal : nil
        regions = heapsAreModelled ? RegionBinder(policy: effective, topology: environment.topology, binder: environment.binder) : nil
    }

    /// What the model calls for each new heap, or nil for targets other than the model.
    var heapPlacement: HeapPlacement? {
        guard let regions else { return nil }
        return HeapPlacement { heap, length, previous in regions.regionMapped(heap, length: length, extending: previous) }
    }

    /// Where a sample of each arena's pages are now.
    func pages(of set: ArenaSet) -> [ArenaPages] {
        set.arenas.map { arena in
            var ranges: [Range<UInt>] = []
            var intended: Int?
            if arena.isMain {
                if let heap = set.mainHeap, let base = heap.baseAddress {
                    ranges = [UInt(bitPattern: base)..<UInt(bitPattern: base) + UInt(heap.count)]
                }
                intended = plan.workers.first?.node
            } else {
                ranges = arena.heaps.map { $0.address..<$0.address + UInt($0.size) }
                intended = arena.heaps.last.flatMap { regions?.node(ofRegion: $0.address) }
            }
            let census = PageCensus.take(ranges, limit: Self.pagesPerArena, binder: environment.binder)
            return ArenaPages(arena: arena.index, intendedNode: intended,
                              bound: !arena.isMain && (regions?.policy ?? MemoryPolicy.none) != MemoryPolicy.none,
                              pagesSampled: census.sampled, pagesResident: census.resident,
                              pagesByNode: census.byNode.keys.sorted().map { NodePages(node: $0, pages: census.byNode[$0]!) })
        }
    }

    /// The point's placement figures: each worker planned against observed, whether
    /// placement happened as asked, and one line saying how.
    func figures(_ scheduler: Scheduler) -> (available: Bool, note: String, report: PlacementReport) {
        let topology = environment.topology
        let workers = scheduler.workers.map { w in
            let slot = plan.workers[w.index]
            let cpus = w.observedCPUs.sorted()
            return WorkerPlacement(worker: w.index, plannedCPU: slot.cpu, plannedNode: slot.node, observedCPUs: cpus,
                                   observedNodes: Array(Set(cpus.compactMap(topology.node(ofCPU:)))).sorted(),
                                   pinned: w.pinned)
        }
        let (bound, refused) = regions?.outcome ?? (0, [])
        var parts: [String] = []
        var available = true
        let planned = plan.workers.filter { $0.cpu != nil }.count
        if plan.policy == .none {
            parts.append("workers unpinned (placement none)")
        } else if planned > 0 {
            parts.append("\(plan.policy) on \(topology.nodes.count) node\(topology.nodes.count == 1 ? "" : "s"): "
                         + "\(planned) workers pinned to CPUs \(CPUList.text(plan.workers.compactMap(\.cpu))) "
                         + "(node\(Set(plan.workers.compactMap(\.node)).count == 1 ? "" : "s") \(CPUList.text(plan.workers.compactMap(\.node))))")
        }
        if let note = plan.note {
            parts.append(note)
            if planned < plan.workers.count { available = false }
        }
        if scheduler.pinningFailures > 0 {
            parts.append("pinning refused for \(scheduler.pinningFailures) of \(scheduler.threadsStarted) thread starts: those ran unpinned")
            available = false
        }
        if regions == nil {
            if memory != .none { parts.append("heaps not bound (the target's arenas are not the model's)") }
        } else if let refusal = bindingRefusal {
            parts.append(refusal)
            available = false
        } else if memory == .none {
            parts.append("heaps left to first touch (memory none)")
        } else if !refused.isEmpty {
            parts.append("mbind refused for \(refused.count) of \(refused.count + bound) heaps (\(BindingError(call: "mbind", errno: refused[0]))): those left to first touch")
            available = false
        } else {
            parts.append("\(bound) non-main heap\(bound == 1 ? "" : "s") bound to the creating thread's node (\(memory == .bind ? "MPOL_BIND" : "MPOL_PREFERRED"))")
        }
        let report = PlacementReport(policy: plan.policy.description, memory: memory.rawValue, topology: topology.summary,
                                     probe: environment.probe.note, workers: workers, heapsBound: bound,
                                     heapBindingsRefused: refused.count)
        return (available, parts.joined(separator: "; "), report)
    }
}
