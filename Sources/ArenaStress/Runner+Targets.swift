import Foundation
import Reporting
import Scenario
import Targets

// Which allocator a point runs against, built here so that each `PointRun` is
// specialised for its concrete target.
extension Runner {
    /// The peer a scenario target names, if it names one.
    static func peer(_ target: Target) -> Peer? {
        switch target {
        case .jemalloc: .jemalloc
        case .mimalloc: .mimalloc
        case .tcmalloc: .tcmalloc
        case .model, .glibc, .pool: nil
        }
    }

    /// Why `target` cannot run in this process (a peer not installed, or not loadable),
    /// in one line; nil when it can.
    public static func unavailability(_ target: Target) -> String? {
        guard let peer = peer(target) else { return nil }
        return PeerLibrary.availability(peer)?.description
    }

    /// The pool for `point`: blocks of the largest size any phase asks for, as many as
    /// the workers can hold at once (every allocate phase's count, the largest churn's
    /// slots and what its remote frees may have in flight, a handoff's queued batches),
    /// plus what the threads' caches may hold.
    func pool(_ point: SweepPoint) -> PoolTarget {
        var blockSize = 0, allocated = 0, churn = 0, inFlight = 0, handoff = 0
        for phase in scenario.phases {
            switch phase.kind {
            case .allocate(let spec):
                blockSize = max(blockSize, spec.size.maxSize)
                allocated += spec.count
            case .churn(let spec):
                blockSize = max(blockSize, spec.size.maxSize)
                churn = max(churn, spec.live)
                // A remote free waits in the next worker's inbox (a ring of 2^14) while its slot refills.
                if spec.remoteFree > 0 { inFlight = 1 << 14 }
            case .handoff(let spec):
                blockSize = max(blockSize, spec.size.maxSize)
                // A producer's batches: 16 buffers, a queue of 8 among them.
                handoff = max(handoff, 17 * spec.batch)
            default: break
            }
        }
        let perThread = allocated + churn + inFlight + handoff + 2 * 64
        return PoolTarget(blockSize: blockSize, capacity: perThread * point.threads)
    }

    /// The report of a point whose target could not be loaded (`unsupported` was not
    /// asked first): no phase ran, and the reason is its one violation.
    func notRun(_ point: SweepPoint, because reason: String) -> PointReport {
        PointReport(point: point, target: scenario.target.rawValue, placement: [], pinned: false, threadsStarted: 0, phases: [],
                    violations: [ViolationRecord(phase: "", invariant: "target", message: reason, detail: "")], expectations: [],
                    stoppedAfter: nil, osRequests: nil, contention: nil, finalHeapDigest: nil, finalHeapChunks: nil)
    }
}

extension Runner {
    /// One report of points run separately (a scenario on several targets, each by a
    /// runner of its own), with this machine as the host.
    public static func report(_ scenario: Scenario, startedAt: Date, points: [PointReport]) -> RunReport {
        RunReport(scenario: scenario, file: scenario.source, startedAt: startedAt, host: host(), points: points)
    }
}
