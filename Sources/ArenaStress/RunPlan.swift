import Scenario

/// A scenario's phases as the scheduler runs them: steps separated by a barrier.
///
/// A phase is one step, except that a `respawn` phase is one step per round (its
/// workers' threads end after each), a churn with `rounds` one step per round (a new
/// thread per round), and a phase checked `every_ops: N` is cut into
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
            switch Self.cut(phase, scenario) {
            case .rounds(let rounds):
                for round in 0..<rounds {
                    steps.append(Step(phase: index, check: checkAtEnd && round == rounds - 1, respawn: true, endsPhase: round == rounds - 1))
                }
            case .everyOps(let every, let total):
                var done = 0
                while done < total {
                    let ops = min(every, total - done)
                    steps.append(Step(phase: index, ops: ops, opsBefore: done, check: true, endsPhase: done + ops == total))
                    done += ops
                }
            case .churnRounds(let rounds, let total, let every):
                for round in 0..<rounds {
                    let lastRound = round == rounds - 1
                    let opsBefore = round * (total / rounds)
                    let roundOps = lastRound ? total - opsBefore : total / rounds
                    let stepOps = every ?? roundOps
                    var done = 0
                    while done < roundOps {
                        let ops = min(stepOps, roundOps - done)
                        let endsRound = done + ops == roundOps
                        steps.append(Step(phase: index, ops: ops, opsBefore: opsBefore + done,
                                          check: every != nil || (checkAtEnd && lastRound && endsRound),
                                          respawn: endsRound && !lastRound, endsPhase: lastRound && endsRound))
                        done += ops
                    }
                }
            case .whole:
                steps.append(Step(phase: index, check: checkAtEnd, endsPhase: true))
            }
        }
    }

    /// How a phase is cut into steps.
    enum Cut: Equatable {
        /// One step.
        case whole
        /// One step per respawn round.
        case rounds(Int)
        /// `total` ops per worker in steps of `every` (fewer in the last), `every < total`.
        case everyOps(every: Int, total: Int)
        /// A churn's `total` ops per worker in `rounds` rounds (the last takes the
        /// remainder), a new thread per round, each round in steps of `every` if given.
        case churnRounds(rounds: Int, total: Int, every: Int?)

        /// The number of steps.
        var steps: Int {
            switch self {
            case .whole: 1
            case .rounds(let rounds): rounds
            // total - 1 cannot overflow: every < total.
            case .everyOps(let every, let total): (total - 1) / every + 1
            case .churnRounds(let rounds, let total, let every):
                // rounds <= total (validated): every round has ops.
                every.map { every in
                    let share = total / rounds, last = total - (rounds - 1) * share
                    return (rounds - 1) * ((share - 1) / every + 1) + (last - 1) / every + 1
                } ?? rounds
            }
        }
    }

    /// How `phase` of `scenario` is cut into steps: what both the plan and `RunNeeds`
    /// go by.
    static func cut(_ phase: Phase, _ scenario: Scenario) -> Cut {
        let total: Int
        switch phase.kind {
        case .respawn(let rounds): return .rounds(rounds)
        case .allocate(let spec): total = spec.count
        case .churn(let spec):
            guard case .ops(let ops) = spec.length else { return .whole }
            if let rounds = spec.rounds, rounds > 1 {
                let every: Int? = if case .everyOps(let every) = phase.check ?? scenario.check, every < ops / rounds { every } else { nil }
                return .churnRounds(rounds: rounds, total: ops, every: every)
            }
            total = ops
        default: return .whole
        }
        guard case .everyOps(let every) = phase.check ?? scenario.check, every < total else { return .whole }
        return .everyOps(every: every, total: total)
    }
}
