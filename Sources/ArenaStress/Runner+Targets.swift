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

    /// The pool for `point`, sized as `RunNeeds.pool` says.
    func pool(_ point: SweepPoint) -> PoolTarget {
        let pool = RunNeeds.pool(scenario, threads: point.threads)
        return PoolTarget(blockSize: pool.blockSize, capacity: pool.blocks)
    }

    /// The report of a point whose target could not be loaded (`unsupported` was not
    /// asked first): no phase ran, and the reason is its one violation.
    public func notRun(_ point: SweepPoint, because reason: String) -> PointReport {
        PointReport(point: point, target: scenario.target.rawValue, placement: [], pinned: false, threadsStarted: 0, phases: [],
                    violations: [ViolationRecord(phase: "", invariant: "target", message: reason, detail: "")], expectations: [],
                    stoppedAfter: nil, osRequests: nil, contention: nil, finalHeapDigest: nil, finalHeapChunks: nil)
    }
}

extension Runner {
    /// One report of points run separately (a scenario on several targets, each by a
    /// runner of its own), with this machine as the host.
    public static func report(_ scenario: Scenario, startedAt: Date, points: [PointReport], notes: [String] = []) -> RunReport {
        var report = RunReport(scenario: scenario, file: scenario.source, startedAt: startedAt, host: host(), points: points)
        report.notes = notes.isEmpty ? nil : notes
        return report
    }
}
