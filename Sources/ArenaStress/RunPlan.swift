import Scenario

/// A scenario's phases as the scheduler runs them: steps separated by a barrier.
///
/// A phase is one step, except that a `respawn` phase is one step per round (its
/// workers' threads end after each), and a phase checked `every_ops: N` is cut into
/// steps of N operations per worker with a check after each.
struct RunPlan {
    struct Step {
        /// The scenario phase this step belongs to.
        var phase: Int
        /// For allocate and churn: the operations of this step per worker (nil: the phase's own).
        var ops: Int?
        /// Operations per worker done by the earlier steps of the same phase.
        var opsBefore = 0
        /// Whether the world is checked once this step ends.
        var check: Bool
        /// Whether the worker threads end after this step and new ones start.
        var respawn = false
        /// Whether this is the phase's last step (its figures are taken then).
        var endsPhase: Bool
    }

    var steps: [Step] = []

    init(_ scenario: Scenario) {
        for (index, phase) in scenario.phases.enumerated() {
            let schedule = phase.check ?? scenario.check
            let last = index == scenario.phases.count - 1
            let checkAtEnd: Bool = switch schedule {
            case .everyPhase, .everyOps: true
            case .end: last
            case .never: false
            }
            switch phase.kind {
            case .respawn(let rounds):
                for round in 0..<rounds {
                    steps.append(Step(phase: index, check: checkAtEnd && round == rounds - 1, respawn: true, endsPhase: round == rounds - 1))
                }
            case .allocate(let spec):
                split(index, total: spec.count, schedule: schedule, checkAtEnd: checkAtEnd)
            case .churn(let spec):
                if case .ops(let ops) = spec.length { split(index, total: ops, schedule: schedule, checkAtEnd: checkAtEnd) } else {
                    steps.append(Step(phase: index, check: checkAtEnd, endsPhase: true))
                }
            default:
                steps.append(Step(phase: index, check: checkAtEnd, endsPhase: true))
            }
        }
    }

    private mutating func split(_ phase: Int, total: Int, schedule: CheckSchedule, checkAtEnd: Bool) {
        guard case .everyOps(let every) = schedule, every < total else {
            steps.append(Step(phase: phase, check: checkAtEnd, endsPhase: true))
            return
        }
        var done = 0
        while done < total {
            let ops = min(every, total - done)
            steps.append(Step(phase: phase, ops: ops, opsBefore: done, check: true, endsPhase: done + ops == total))
            done += ops
        }
    }
}
