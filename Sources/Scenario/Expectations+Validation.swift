internal import Yams

extension Validator {
    /// `expect:`, its phase names checked against `phases` (nil: not checked, because the
    /// phases had problems). A missing `expect` gives the defaults.
    mutating func expectations(_ node: Node?, phases: [Phase]?) -> Expectations? {
        let firstInjected = phases?.lazy.compactMap { phase -> String? in
            if case .inject(let kind) = phase.kind { return kind }
            return nil
        }.first
        var expect = Expectations(violations: firstInjected.map(ViolationExpectation.detected) ?? .none)
        guard let node else { return expect }
        guard let f = fields(node, path: "expect", known: Expectations.keys) else { return nil }
        let before = problems.count
        if let value = f["violations"] {
            expect.violations = violations(value, path: f.path("violations")) ?? expect.violations
            expect.violationsLocation = location(value)
        }
        if let value = f["os_requests"],
           let g = fields(value, path: f.path("os_requests"), known: ["max"], required: ["max"]),
           let max = g["max"]
        {
            expect.osRequests = int(max, path: g.path("max"), in: 0...Scenario.maxCount)
                .map { OSRequestsExpectation(max: $0, location: location(value)) }
        }
        if let value = f["fragmentation"] {
            let path = f.path("fragmentation")
            if case .sequence(let items) = value {
                expect.fragmentation = items.enumerated().compactMap { i, item in
                    fragmentation(item, path: "\(path)[\(i)]", phases: phases)
                }
            } else {
                expect.fragmentation = fragmentation(value, path: path, phases: phases).map { [$0] } ?? []
            }
        }
        if let value = f["contention"],
           let g = fields(value, path: f.path("contention"), known: ["max"], required: ["max"]),
           let max = g["max"]
        {
            expect.contention = fraction(max, path: g.path("max"))
                .map { ContentionExpectation(max: $0, location: location(value)) }
        }
        if let value = f["allocation_failures"] {
            expect.allocationFailures = allocationFailures(value, path: f.path("allocation_failures"))
        }
        return problems.count == before ? expect : nil
    }

    /// `allocation_failures`: a count (at most that many), `{max: N}`, `{min: N}` or both.
    private mutating func allocationFailures(_ node: Node, path: String) -> AllocationFailuresExpectation? {
        guard case .mapping = node else {
            return int(node, path: path, in: 0...Scenario.maxCount).map { AllocationFailuresExpectation(min: nil, max: $0, location: location(node)) }
        }
        guard let f = fields(node, path: path, known: ["min", "max"]) else { return nil }
        let before = problems.count
        let min = f["min"].flatMap { int($0, path: f.path("min"), in: 0...Scenario.maxCount) }
        let max = f["max"].flatMap { int($0, path: f.path("max"), in: 0...Scenario.maxCount) }
        if f["min"] == nil, f["max"] == nil, !f.hadUnknownKeys {
            report(path, "give 'min', 'max' or both", at: node)
        }
        if let min, let max, min > max {
            report(path, "range is reversed: min \(min) > max \(max)", at: node)
        }
        guard problems.count == before, min != nil || max != nil else { return nil }
        return AllocationFailuresExpectation(min: min, max: max, location: location(node))
    }

    private mutating func violations(_ node: Node, path: String) -> ViolationExpectation? {
        guard case .mapping = node else {
            guard let n = Self.text(node).flatMap(Units.parseInteger) else {
                report(path, "expected 0, {max: N} or {detected: KIND}, found \(Self.display(node))", at: node)
                return nil
            }
            return int(node, path: path, in: 0...Scenario.maxCount).map { _ in n == 0 ? .none : .max(n) }
        }
        guard let f = fields(node, path: path, known: ["max", "detected"]) else { return nil }
        switch (f["max"], f["detected"]) {
        case (let max?, nil):
            return int(max, path: f.path("max"), in: 0...Scenario.maxCount).map { $0 == 0 ? .none : .max($0) }
        case (nil, let kind?):
            return choice(kind, path: f.path("detected"), among: Scenario.corruptionKinds, what: "corruption kind")
                .map(ViolationExpectation.detected)
        case (nil, nil):
            if !f.hadUnknownKeys { report(path, "missing 'max' or 'detected'", at: node) }
        case (_?, _?):
            report(path, "give 'max' or 'detected', not both", at: f.keyNode("detected")!)
        }
        return nil
    }

    private mutating func fragmentation(_ node: Node, path: String, phases: [Phase]?) -> FragmentationExpectation? {
        guard let f = fields(node, path: path, known: ["phase", "min", "max"], required: ["phase"],
                             expected: "a mapping {phase: P, min: F, max: F}")
        else { return nil }
        let before = problems.count
        let phase = f["phase"].flatMap { string($0, path: f.path("phase")) }
        if let phase, let phases, !phases.contains(where: { $0.name == phase }), let value = f["phase"] {
            let hint = Suggestion.didYouMean(phase, among: phases.map(\.name))
            report(f.path("phase"), "no phase named '\(phase)'\(hint)", at: value)
        }
        let min = f["min"].flatMap { fraction($0, path: f.path("min")) }
        let max = f["max"].flatMap { fraction($0, path: f.path("max")) }
        if f["min"] == nil, f["max"] == nil, !f.hadUnknownKeys {
            report(path, "give 'min', 'max' or both", at: node)
        }
        if let min, let max, min > max {
            report(path, "range is reversed: min \(min) > max \(max)", at: node)
        }
        guard problems.count == before, let phase else { return nil }
        return FragmentationExpectation(phase: phase, min: min, max: max, location: location(node))
    }
}
