extension Scenario {
    /// The scenario in the contract's YAML (flow style, every value explicit), which the
    /// loader reads back to the same scenario but for places in the file. A scenario
    /// that did not come from a file (decoded from a report) is validated by reading
    /// this back: the loader's checks, all of them, on its values.
    ///
    /// A key added to the contract is added here too (`ScenarioRenderTests` reads every
    /// shipped scenario back and compares).
    public var yaml: String {
        var lines = ["name: \(Self.quoted(name))"]
        if let description { lines.append("description: \(Self.quoted(description))") }
        lines.append("seed: \(seed)")
        lines.append("target: \(target.rawValue)")
        let t = tunables
        let tunableFields: [(String, String?)] = [
            ("arena_max", t.arenaMaxSweep.isEmpty ? t.arenaMax.map(String.init) : Self.list(t.arenaMaxSweep.map(String.init))),
            ("arena_test", t.arenaTest.map(String.init)), ("tcache_count", t.tcacheCount.map(String.init)),
            ("mxfast", t.mxfast.map(String.init)), ("mmap_threshold", t.mmapThreshold.map(String.init)),
            ("trim_threshold", t.trimThreshold.map(String.init)), ("top_pad", t.topPad.map(String.init)),
            ("perturb", t.perturb.map(String.init)),
        ]
        let given = tunableFields.compactMap { key, value in value.map { "\(key): \($0)" } }
        if !given.isEmpty { lines.append("tunables: {\(given.joined(separator: ", "))}") }
        let placement: String = switch threads.placement {
        case .compact: "compact"
        case .scatter: "scatter"
        case .none: "none"
        case .nodes(let nodes): "{nodes: \(Self.list(nodes.map(String.init)))}"
        }
        lines.append("threads: {count: \(Self.list(threads.counts.map(String.init))), placement: \(placement), "
                     + "arenas: \(Self.list(threads.arenas.map(\.rawValue))), memory: \(threads.memory.rawValue)}")
        lines.append("check: \(Self.yaml(check))")
        lines.append("check_content: \(checkContent.rawValue)")
        lines.append("phases:")
        for phase in phases {
            let check = phase.check.map { ", check: \(Self.yaml($0))" } ?? ""
            lines.append("  - {name: \(Self.quoted(phase.name))\(check), \(phase.kind.key): \(Self.yaml(phase.kind))}")
        }
        var expect = ["violations: " + Self.yaml(self.expect.violations)]
        if let e = self.expect.osRequests { expect.append("os_requests: {max: \(e.max)}") }
        if !self.expect.fragmentation.isEmpty {
            expect.append("fragmentation: " + Self.list(self.expect.fragmentation.map { f in
                "{" + (["phase: \(Self.quoted(f.phase))"] + [f.min.map { "min: \($0)" }, f.max.map { "max: \($0)" }].compactMap { $0 })
                    .joined(separator: ", ") + "}"
            }))
        }
        if let e = self.expect.contention { expect.append("contention: {max: \(e.max)}") }
        if let e = self.expect.allocationFailures {
            expect.append("allocation_failures: {" + [e.min.map { "min: \($0)" }, e.max.map { "max: \($0)" }].compactMap { $0 }.joined(separator: ", ") + "}")
        }
        lines.append("expect: {\(expect.joined(separator: ", "))}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func yaml(_ check: CheckSchedule) -> String {
        switch check {
        case .everyPhase: "every-phase"
        case .end: "end"
        case .never: "never"
        case .everyOps(let n): "{every_ops: \(n)}"
        }
    }

    private static func yaml(_ kind: PhaseKind) -> String {
        switch kind {
        case .allocate(let s): "{count: \(s.count), size: \(yaml(s.size))}"
        case .free(let s):
            switch s.amount {
            case .fraction(let f): "{fraction: \(f), order: \(s.order.rawValue)}"
            case .count(let n): "{count: \(n), order: \(s.order.rawValue)}"
            }
        case .churn(let s):
            "{\(yaml(s.length)), live: \(s.live), size: \(yaml(s.size)), mix: {malloc: \(s.mix.malloc), "
                + "realloc: \(s.mix.realloc), calloc: \(s.mix.calloc), memalign: \(s.mix.memalign)}, remote_free: \(s.remoteFree)"
                + (s.rounds.map { ", rounds: \($0)" } ?? "") + "}"
        case .handoff(let s): "{\(yaml(s.length)), producers: \(s.producers), batch: \(s.batch), size: \(yaml(s.size))}"
        case .respawn(let rounds): "{rounds: \(rounds)}"
        case .trim: "true"
        case .inject(let kind): "{kind: \(quoted(kind))}"
        }
    }

    private static func yaml(_ length: PhaseLength) -> String {
        switch length {
        case .ops(let n): "ops: \(n)"
        case .duration(let ns): "duration: \(ns)ns"
        }
    }

    private static func yaml(_ size: SizeDistribution) -> String {
        switch size {
        case .fixed(let n): "{fixed: \(n)}"
        case .uniform(let a, let b): "{uniform: [\(a), \(b)]}"
        case .pow2(let a, let b): "{pow2: [\(a), \(b)]}"
        case .lognormal(let median, let sigma): "{lognormal: {median: \(median), sigma: \(sigma)}}"
        case .inverseSquare(let a, let b): "{inverse_square: [\(a), \(b)]}"
        case .weighted(let w): "{weighted: \(list(zip(w.sizes, w.weights).map { "[\($0), \($1)]" }))}"
        }
    }

    private static func yaml(_ violations: ViolationExpectation) -> String {
        switch violations {
        case .none: "0"
        case .max(let n): "{max: \(n)}"
        case .detected(let kind): "{detected: \(quoted(kind))}"
        }
    }

    private static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// `text` as a double-quoted YAML scalar.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
