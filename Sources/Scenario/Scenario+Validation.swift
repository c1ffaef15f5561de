internal import Yams

extension Validator {
    /// The scenario in `root`, or nil when any problem was reported (all of them are).
    mutating func scenario(from root: Node) -> Scenario? {
        guard let top = fields(root, path: "", known: Scenario.knownKeys[""]!, required: ["name", "phases"],
                               expected: "a mapping of scenario keys at the top")
        else { return nil }
        let before = problems.count

        let name = top["name"].flatMap { self.scenarioName($0) }
        var description: String?
        if let node = top["description"], !Self.isNull(node) {
            description = Self.text(node)
            if description == nil { report("description", "expected text, found \(Self.display(node))", at: node) }
        }
        let seed = top["seed"].flatMap { self.seed($0) } ?? 1
        var target = Target.model
        if let node = top["target"], let raw = choice(node, path: "target", among: Target.allCases.map(\.rawValue), what: "target") {
            target = Target(rawValue: raw)!
        }
        var tunables = ScenarioTunables()
        if let node = top["tunables"] {
            tunables = self.tunables(node) ?? tunables
            if target != .model && target != .glibc, let key = top.keyNode("tunables") {
                report("tunables", "only targets 'model' and 'glibc' take tunables, this scenario's target is '\(target.rawValue)'", at: key)
            }
        }
        let threads = top["threads"].flatMap { self.threads($0) } ?? ThreadsSpec()
        let check = top["check"].flatMap { checkSchedule($0, path: "check") } ?? .everyPhase
        let checkContent = top["check_content"].flatMap {
            choice($0, path: "check_content", among: ContentCheck.allCases.map(\.rawValue), what: "content check")
        }.flatMap(ContentCheck.init(rawValue:)) ?? .full
        let phases = top["phases"].flatMap { self.phases($0) }
        var expect = Expectations()
        if let phases {
            expect = expectations(top["expect"], phases: phases) ?? expect
        } else if let node = top["expect"] {
            // Without phases the names cannot be checked; the rest still can.
            _ = expectations(node, phases: nil)
        }

        guard problems.count == before, let name, let phases else { return nil }
        return Scenario(
            name: name, description: description, seed: seed, target: target, tunables: tunables,
            threads: threads, check: check, checkContent: checkContent, phases: phases, expect: expect, source: file
        )
    }

    private mutating func scenarioName(_ node: Node) -> String? {
        guard let text = string(node, path: "name") else { return nil }
        let allowed = text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard allowed else {
            report("name", "must match [a-z0-9-]+ (lower-case letters, digits, '-'), found '\(text)'", at: node)
            return nil
        }
        return text
    }

    private mutating func seed(_ node: Node) -> UInt64? {
        let text = Self.text(node).map { $0.filter { $0 != "_" } } ?? ""
        let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        guard let value else {
            report("seed", "expected an integer in 0...\(UInt64.max), found \(Self.display(node))", at: node)
            return nil
        }
        return value
    }

    private mutating func tunables(_ node: Node) -> ScenarioTunables? {
        guard let f = fields(node, path: "tunables", known: Scenario.knownKeys["tunables"]!) else { return nil }
        let before = problems.count
        var t = ScenarioTunables()
        if let node = f["arena_max"] {
            t.arenaMaxSweep = oneOrMany(node, path: f.path("arena_max")) { v, node, path in
                v.int(node, path: path, in: 0...Scenario.maxArenaMax)
            } ?? []
            t.arenaMax = t.arenaMaxSweep.first
        }
        t.arenaTest = f["arena_test"].flatMap { int($0, path: f.path("arena_test"), in: 0...Scenario.maxArenaMax) }
        t.tcacheCount = f["tcache_count"].flatMap {
            int($0, path: f.path("tcache_count"), in: 0...65535, note: " (glibc's MAX_TCACHE_COUNT)")
        }
        t.mxfast = f["mxfast"].flatMap { size($0, path: f.path("mxfast"), in: 0...160, note: " (glibc's MAX_FAST_SIZE)") }
        t.mmapThreshold = f["mmap_threshold"].flatMap {
            size($0, path: f.path("mmap_threshold"), in: 0...(32 << 20), note: " (half of glibc's HEAP_MAX_SIZE)")
        }
        t.trimThreshold = f["trim_threshold"].flatMap { size($0, path: f.path("trim_threshold")) }
        t.topPad = f["top_pad"].flatMap { size($0, path: f.path("top_pad")) }
        t.perturb = f["perturb"].flatMap { int($0, path: f.path("perturb"), in: 0...255) }
        return problems.count == before ? t : nil
    }

    private mutating func threads(_ node: Node) -> ThreadsSpec? {
        guard let f = fields(node, path: "threads", known: Scenario.knownKeys["threads"]!) else { return nil }
        let before = problems.count
        var spec = ThreadsSpec()
        if let node = f["count"] {
            spec.counts = oneOrMany(node, path: f.path("count")) { v, node, path in
                v.int(node, path: path, in: 1...Scenario.maxThreads)
            } ?? spec.counts
        }
        if let node = f["placement"] { spec.placement = placement(node, path: f.path("placement")) ?? spec.placement }
        if let node = f["arenas"] {
            spec.arenas = oneOrMany(node, path: f.path("arenas")) { v, node, path in
                v.choice(node, path: path, among: ArenaPolicyName.allCases.map(\.rawValue), what: "arena policy")
                    .flatMap(ArenaPolicyName.init(rawValue:))
            } ?? spec.arenas
        }
        if let node = f["memory"] {
            spec.memory = choice(node, path: f.path("memory"), among: MemoryPlacement.allCases.map(\.rawValue), what: "memory policy")
                .flatMap(MemoryPlacement.init(rawValue:)) ?? spec.memory
        }
        return problems.count == before ? spec : nil
    }

    private mutating func placement(_ node: Node, path: String) -> PlacementSpec? {
        if case .mapping = node {
            guard let f = fields(node, path: path, known: ["nodes"], required: ["nodes"]), let list = f["nodes"] else {
                return nil
            }
            guard case .sequence = list else {
                report(f.path("nodes"), "expected a list of NUMA nodes such as [0, 1], found \(Self.display(list))", at: list)
                return nil
            }
            return oneOrMany(list, path: f.path("nodes")) { v, node, path in v.int(node, path: path, in: 0...1023) }
                .map(PlacementSpec.nodes)
        }
        let names = PlacementSpec.names + ["{nodes: [...]}"]
        switch choice(node, path: path, among: names, what: "placement") {
        case "compact": return .compact
        case "scatter": return .scatter
        case "none": return PlacementSpec.none
        default: return nil
        }
    }

    /// `every-phase`, `end`, `never` or `{every_ops: N}`.
    mutating func checkSchedule(_ node: Node, path: String) -> CheckSchedule? {
        if case .mapping = node {
            guard let f = fields(node, path: path, known: ["every_ops"], required: ["every_ops"]),
                  let ops = f["every_ops"]
            else { return nil }
            return int(ops, path: f.path("every_ops"), in: 1...Scenario.maxCount).map(CheckSchedule.everyOps)
        }
        switch choice(node, path: path, among: CheckSchedule.names + ["{every_ops: N}"], what: "check schedule") {
        case "every-phase": return .everyPhase
        case "end": return .end
        case "never": return .never
        default: return nil
        }
    }
}
