internal import Yams

extension Validator {
    /// The phases list: at least one phase, names unique, each with exactly one kind.
    mutating func phases(_ node: Node) -> [Phase]? {
        guard case .sequence(let sequence) = node else {
            report("phases", "expected a list of phases, found \(Self.display(node))", at: node)
            return nil
        }
        guard !sequence.isEmpty else {
            report("phases", "expected at least one phase, found an empty list", at: node)
            return nil
        }
        let before = problems.count
        var phases: [Phase] = []
        var firstByName: [String: Node] = [:]
        for (i, item) in sequence.enumerated() {
            let path = "phases[\(i)]"
            guard let phase = phase(item, path: path) else { continue }
            if let first = firstByName[phase.name] {
                let nameNode = phaseNameNode(item) ?? item
                report(Self.child(path, "name"),
                       "duplicate phase name '\(phase.name)' (first at line \(location(first).line))", at: nameNode)
            } else {
                firstByName[phase.name] = phaseNameNode(item) ?? item
            }
            phases.append(phase)
        }
        return problems.count == before ? phases : nil
    }

    private func phaseNameNode(_ item: Node) -> Node? { item.mapping?["name"] }

    private mutating func phase(_ node: Node, path: String) -> Phase? {
        guard let f = fields(node, path: path, known: Scenario.knownKeys["phases[]"]!, required: ["name"],
                             expected: "a mapping with 'name' and one kind")
        else { return nil }
        let before = problems.count
        let name = f["name"].flatMap { string($0, path: f.path("name")) }
        let check = f["check"].flatMap { checkSchedule($0, path: f.path("check")) }
        let kinds = f.entries.filter { PhaseKind.keys.contains($0.key) }
        var kind: PhaseKind?
        if kinds.isEmpty {
            // A misspelt kind key was reported as unknown, with a suggestion: enough.
            if !f.hadUnknownKeys {
                report(path, "phase has no kind; add one of \(PhaseKind.keys.joined(separator: ", "))", at: node)
            }
        } else if kinds.count > 1 {
            let names = kinds.map { "'\($0.key)'" }.joined(separator: ", ")
            report(path, "phase has \(kinds.count) kinds (\(names)); a phase has exactly one", at: kinds[1].keyNode)
        } else {
            kind = phaseKind(kinds[0].key, kinds[0].value, path: f.path(kinds[0].key))
        }
        guard problems.count == before, let name, let kind else { return nil }
        return Phase(name: name, kind: kind, check: check, location: location(node))
    }

    private mutating func phaseKind(_ key: String, _ node: Node, path: String) -> PhaseKind? {
        switch key {
        case "allocate": return allocate(node, path: path).map(PhaseKind.allocate)
        case "free": return free(node, path: path).map(PhaseKind.free)
        case "churn": return churn(node, path: path).map(PhaseKind.churn)
        case "handoff": return handoff(node, path: path).map(PhaseKind.handoff)
        case "respawn":
            guard let f = fields(node, path: path, known: Scenario.knownKeys["respawn"]!, required: ["rounds"]),
                  let rounds = f["rounds"]
            else { return nil }
            return int(rounds, path: f.path("rounds"), in: 1...Scenario.maxCount).map { PhaseKind.respawn(rounds: $0) }
        case "trim":
            switch Self.text(node)?.lowercased() {
            case "true", "yes", "on": return .trim
            case "false", "no", "off":
                report(path, "'trim: false' does nothing; write 'trim: true' or remove the phase", at: node)
            default:
                report(path, "expected true, found \(Self.display(node))", at: node)
            }
            return nil
        case "inject":
            guard let f = fields(node, path: path, known: Scenario.knownKeys["inject"]!, required: ["kind"]),
                  let kind = f["kind"]
            else { return nil }
            return choice(kind, path: f.path("kind"), among: Scenario.corruptionKinds, what: "corruption kind")
                .map { PhaseKind.inject(kind: $0) }
        default:
            return nil
        }
    }

    private mutating func allocate(_ node: Node, path: String) -> AllocateSpec? {
        guard let f = fields(node, path: path, known: Scenario.knownKeys["allocate"]!, required: ["count", "size"])
        else { return nil }
        let count = f["count"].flatMap { int($0, path: f.path("count"), in: 1...Scenario.maxCount) }
        let size = f["size"].flatMap { sizeDistribution($0, path: f.path("size")) }
        guard let count, let size else { return nil }
        return AllocateSpec(count: count, size: size)
    }

    private mutating func free(_ node: Node, path: String) -> FreeSpec? {
        guard let f = fields(node, path: path, known: Scenario.knownKeys["free"]!) else { return nil }
        let before = problems.count
        var amount: FreeSpec.Amount?
        switch (f["fraction"], f["count"]) {
        case (let fraction?, nil):
            amount = self.fraction(fraction, path: f.path("fraction")).map(FreeSpec.Amount.fraction)
        case (nil, let count?):
            amount = int(count, path: f.path("count"), in: 1...Scenario.maxCount).map(FreeSpec.Amount.count)
        case (nil, nil):
            report(path, "missing 'fraction' or 'count'", at: node)
        case (_?, _?):
            report(path, "give 'fraction' or 'count', not both", at: f.keyNode("count")!)
        }
        var order = FreeSpec.Order.random
        if let node = f["order"] {
            order = choice(node, path: f.path("order"), among: FreeSpec.Order.allCases.map(\.rawValue), what: "free order")
                .flatMap(FreeSpec.Order.init(rawValue:)) ?? order
        }
        guard problems.count == before, let amount else { return nil }
        return FreeSpec(amount: amount, order: order)
    }

    private mutating func length(_ f: Fields) -> PhaseLength? {
        switch (f["ops"], f["duration"]) {
        case (let ops?, nil):
            return int(ops, path: f.path("ops"), in: 1...Scenario.maxCount).map(PhaseLength.ops)
        case (nil, let duration?):
            return self.duration(duration, path: f.path("duration")).map { PhaseLength.duration(nanoseconds: $0) }
        case (nil, nil):
            report(f.path, "missing 'ops' or 'duration'", at: f.node)
        case (_?, _?):
            let second = f.entries.last { $0.key == "ops" || $0.key == "duration" }!.keyNode
            report(f.path, "give 'ops' or 'duration', not both", at: second)
        }
        return nil
    }

    private mutating func churn(_ node: Node, path: String) -> ChurnSpec? {
        guard let f = fields(node, path: path, known: Scenario.knownKeys["churn"]!, required: ["live", "size"])
        else { return nil }
        let before = problems.count
        let length = self.length(f)
        let live = f["live"].flatMap { int($0, path: f.path("live"), in: 1...Scenario.maxCount) }
        let size = f["size"].flatMap { sizeDistribution($0, path: f.path("size")) }
        let mix = f["mix"].flatMap { self.mix($0, path: f.path("mix")) } ?? Mix()
        let remote = f["remote_free"].flatMap { fraction($0, path: f.path("remote_free")) } ?? 0
        let rounds = f["rounds"].flatMap { int($0, path: f.path("rounds"), in: 1...Scenario.maxCount) }
        if let rounds, let node = f["rounds"] {
            switch length {
            case .duration?: report(f.path("rounds"), "'rounds' needs 'ops' (each round makes its share of them), not 'duration'", at: node)
            case .ops(let ops)? where rounds > ops: report(f.path("rounds"), "\(rounds) rounds of \(ops) ops would leave rounds without ops", at: node)
            default: break
            }
        }
        guard problems.count == before, let length, let live, let size else { return nil }
        return ChurnSpec(length: length, live: live, size: size, mix: mix, remoteFree: remote, rounds: rounds)
    }

    private mutating func mix(_ node: Node, path: String) -> Mix? {
        guard let f = fields(node, path: path, known: Mix.keys) else { return nil }
        let before = problems.count
        // Absent weights are 0 once a mix is given: `{calloc: 1}` means calloc only.
        var weights: [Double] = []
        for key in Mix.keys {
            guard let value = f[key], let weight = number(value, path: f.path(key)) else {
                weights.append(0)
                continue
            }
            if weight < 0 {
                report(f.path(key), "weight must not be negative, found \(Self.text(value) ?? "")", at: value)
            }
            weights.append(weight)
        }
        guard problems.count == before else { return nil }
        // realloc does not fill an empty slot, so one of the others must be able to.
        guard weights[0] + weights[2] + weights[3] > 0 else {
            report(path, "malloc, calloc and memalign weights are all 0; nothing would fill a slot", at: node)
            return nil
        }
        return Mix(malloc: weights[0], realloc: weights[1], calloc: weights[2], memalign: weights[3])
    }

    private mutating func handoff(_ node: Node, path: String) -> HandoffSpec? {
        guard let f = fields(node, path: path, known: Scenario.knownKeys["handoff"]!, required: ["size"])
        else { return nil }
        let before = problems.count
        let length = self.length(f)
        let producers = f["producers"].flatMap { fraction($0, path: f.path("producers"), open: true) } ?? 0.5
        let batch = f["batch"].flatMap { int($0, path: f.path("batch"), in: 1...Scenario.maxCount) }
            ?? HandoffSpec.defaultBatch
        let size = f["size"].flatMap { sizeDistribution($0, path: f.path("size")) }
        guard problems.count == before, let length, let size else { return nil }
        return HandoffSpec(length: length, producers: producers, batch: batch, size: size)
    }
}
