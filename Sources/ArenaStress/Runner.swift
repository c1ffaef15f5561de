import ArenaModel
import Foundation
import HeapCheck
import Placement
import Reporting
import Scenario
import Scheduler
import Targets

/// Runs a scenario: every sweep point on a fresh target, its phases on pinned worker
/// threads, the heap checked where the scenario says, figures taken per phase, and the
/// expectations judged. The library face of `arenastress run`.
///
/// ```swift
/// let scenario = try ScenarioLoader.load(path: "Scenarios/swiss-cheese.yaml")
/// let report = try Runner(scenario: scenario).run()
/// print(report.passed)
/// ```
public final class Runner {
    public let scenario: Scenario
    private let observer: RunObserver
    /// The topology workers are placed on and the kernel's memory binding, as probed.
    public let placement: PlacementEnvironment
    /// Thread starts granted to each point's workers, standing in for a kernel that runs
    /// out of threads (tests); nil for as many as the kernel gives.
    public var threadStartLimit: Int?
    /// Runs a glibc point in a child process whose GLIBC_TUNABLES are the point's
    /// (`glibcTunables`); set by the command line, which has an executable to start.
    /// When nil, glibc points run in this process, under the settings it started with.
    public var glibcPointInChild: ((SweepPoint, [String]) -> PointReport)?

    /// A runner for `scenario`, telling `observer` how it goes; `placement` is this
    /// machine, probed, unless given (a refusing kernel, in tests).
    public init(scenario: Scenario, observer: RunObserver = SilentObserver(), placement: PlacementEnvironment? = nil) {
        self.scenario = scenario
        self.observer = observer
        self.placement = placement ?? .machine()
    }

    /// The placement plan of sweep point `point`: worker -> CPU -> node.
    public func plan(_ point: SweepPoint) -> PlacementPlan {
        PlacementPlan(policy: PlacementPolicy(scenario.threads.placement), threads: point.threads, topology: placement.topology)
    }

    private func pointPlacement(_ point: SweepPoint, model: Bool) -> PointPlacement {
        PointPlacement(scenario.threads, threads: point.threads, environment: placement, heapsAreModelled: model)
    }

    private func modelTarget(_ point: SweepPoint, _ numa: PointPlacement) -> ModelTarget {
        let target = ModelTarget(tunables: tunables(point), policy: policy(point.arenas))
        target.arenas.heapPlacement = numa.heapPlacement
        return target
    }

    /// What in a valid scenario this build cannot run, each at its place in the file:
    /// a peer that is not installed, injections into a target other than the model,
    /// expectations on figures only the model counts. Empty when it can run.
    public static func unsupported(_ scenario: Scenario) -> [ScenarioProblem] {
        var problems: [ScenarioProblem] = []
        let top = SourceLocation(file: scenario.source, line: 1, column: 1)
        if let missing = unavailability(scenario.target) {
            problems.append(ScenarioProblem(location: top, message: missing))
        }
        guard scenario.target != .model else { return problems + unsettable(scenario) }
        for phase in scenario.phases {
            if case .inject = phase.kind {
                problems.append(ScenarioProblem(location: phase.location, message: "phases.\(phase.name): inject needs target model (corruption of \(scenario.target.rawValue)'s heap would abort the run)"))
            }
        }
        if let e = scenario.expect.osRequests {
            problems.append(ScenarioProblem(location: e.location, message: "expect.os_requests: kernel requests are counted for target model only"))
        }
        if let e = scenario.expect.contention {
            problems.append(ScenarioProblem(location: e.location, message: "expect.contention: arena locks are instrumented for target model only"))
        }
        return problems
    }

    /// Injections whose recipe needs a part of the heap the scenario's tunables turn off
    /// (a tcache attack with `tcache_count: 0`), or more threads than a sweep point runs
    /// (a cross-thread kind with one thread): refused before anything runs.
    static func unsettable(_ scenario: Scenario) -> [ScenarioProblem] {
        let tcacheCount = scenario.tunables.tcacheCount ?? Tunables().tcacheCount
        let mxfast = scenario.tunables.mxfast ?? Tunables().mxfast
        let maxFast = mxfast >= 0 && mxfast <= Layout.maxFastSize ? Layout.maxFastChunkSize(forRequest: mxfast) : 0
        let fewestThreads = scenario.threads.counts.min() ?? 1
        return scenario.phases.compactMap { phase in
            guard case .inject(let name) = phase.kind, let kind = CorruptionKind(rawValue: name) else { return nil }
            if let needs = kind.requirement, !kind.canSetUp(tcacheCount: tcacheCount, maxFastChunkSize: maxFast) {
                return ScenarioProblem(location: phase.location, message: "phases.\(phase.name): inject \(name) needs the \(needs.rawValue), "
                                       + "which tunables turn off (tcache_count \(tcacheCount), mxfast \(mxfast))")
            }
            if fewestThreads < kind.minimumThreads {
                return ScenarioProblem(location: phase.location, message: "phases.\(phase.name): inject \(name) needs at least \(kind.minimumThreads) threads "
                                       + "(one thread's tcache attacked through another's), but threads.count runs \(fewestThreads)")
            }
            return nil
        }
    }

    /// Runs every sweep point and judges the expectations. The scenario must have no
    /// `unsupported` problems. A point the machine cut short (`PointReport.endedEarly`)
    /// is the last: the report holds what ran.
    public func run() -> RunReport {
        let started = Date()
        var points: [PointReport] = []
        let plan = pointsToRun
        for point in plan.points {
            points.append(runPoint(point))
            if points[points.count - 1].endedEarly != nil { break }
        }
        var report = RunReport(scenario: scenario, file: scenario.source, startedAt: started, host: Self.host(), points: points)
        report.notes = plan.notes.isEmpty ? nil : plan.notes
        return report
    }

    /// Runs one sweep point.
    public func runPoint(_ point: SweepPoint) -> PointReport {
        var report: PointReport
        switch scenario.target {
        case .glibc:
            if let child = glibcPointInChild {
                report = child(point, glibcTunables(point))
            } else {
                report = run(point, on: GlibcTarget(), pointPlacement(point, model: false))
            }
        case .jemalloc, .mimalloc, .tcmalloc:
            do {
                let library = try PeerLibrary.load(Self.peer(scenario.target)!)
                report = run(point, on: PeerTarget(library), pointPlacement(point, model: false))
            } catch {
                report = notRun(point, because: error.description)
            }
        case .pool:
            report = run(point, on: pool(point), pointPlacement(point, model: false))
        case .model:
            report = runOnModel(point)
        }
        report.expectations = ExpectationJudge(scenario: scenario).judge(report)
        return report
    }

    /// Runs one sweep point against `NullTarget`, an allocator that does nothing: the
    /// driver's own cost (`arenastress bench --workload harness`).
    public func runAgainstNothing(_ point: SweepPoint) -> PointReport {
        run(point, on: NullTarget(), pointPlacement(point, model: false))
    }

    /// Runs one sweep point against the model with its tunables and arena policy.
    public func runOnModel(_ point: SweepPoint) -> PointReport {
        let numa = pointPlacement(point, model: true)
        return run(point, on: modelTarget(point, numa), numa)
    }

    // Generic and in this module, so that each target's PointRun is specialised: its
    // workers' loops call the allocator directly.
    private func run<T: StressTarget>(_ point: SweepPoint, on target: T, _ numa: PointPlacement) -> PointReport {
        PointRun(scenario: scenario, point: point, target: target, numa: numa, observer: observer,
                 threadStartLimit: threadStartLimit).run()
    }

    /// The model's tunables for `point`: the scenario's, the point's arena_max over them.
    public func tunables(_ point: SweepPoint) -> Tunables {
        var t = Tunables()
        let s = scenario.tunables
        if let v = point.arenaMax ?? s.arenaMax { t.arenaMax = v }
        if let v = s.arenaTest { t.arenaTest = v }
        if let v = s.tcacheCount { t.tcacheCount = v }
        if let v = s.mxfast { t.mxfast = v }
        if let v = s.mmapThreshold { t.mmapThreshold = v }
        if let v = s.trimThreshold { t.trimThreshold = v }
        if let v = s.topPad { t.topPad = v }
        if let v = s.perturb { t.perturb = v }
        return t
    }

    private func policy(_ name: ArenaPolicyName) -> ArenaPolicy {
        switch name {
        case .glibc: .glibc
        case .perThread: .perThread
        case .shared: .shared
        }
    }

    static func host() -> RunHost {
        var u = utsname()
        uname(&u)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return RunHost(cpus: Scheduler.allowedCPUs(), kernel: "\(text(u.sysname)) \(text(u.release))", hostname: text(u.nodename))
    }
}
