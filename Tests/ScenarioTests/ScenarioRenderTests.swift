import Foundation
import Testing
import Scenario

/// `Scenario.yaml` reads back to the same scenario, and `ScenarioLoader.validate` finds
/// in a scenario that did not come from a file (a report's) what the loader finds in one.
@Suite struct ScenarioRenderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenarios").path

    static var shipped: [String] {
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// The scenario as JSON without the places in its file (which a rendering cannot keep).
    static func placeless(_ scenario: Scenario) throws -> NSObject {
        func strip(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.filter { !$0.key.lowercased().hasSuffix("location") && $0.key != "source" }.mapValues(strip)
            }
            if let array = value as? [Any] { return array.map(strip) }
            return value
        }
        return strip(try JSONSerialization.jsonObject(with: JSONEncoder().encode(scenario))) as! NSObject
    }

    @Test func everyShippedScenarioReadsBackTheSame() throws {
        #expect(Self.shipped.count >= 20, "found \(Self.shipped) under \(Self.root)")
        for name in Self.shipped {
            let scenario = try ScenarioLoader.load(path: Self.root + "/" + name)
            let again = try ScenarioLoader.parse(scenario.yaml, file: "rendered.yaml")
            #expect(try Self.placeless(again) == Self.placeless(scenario), "\(name):\n\(scenario.yaml)")
        }
    }

    /// Every kind, size, length, schedule and expectation, with quoting to do.
    @Test func everyKeyOfTheContractReadsBackTheSame() throws {
        let yaml = """
            name: all-keys
            description: "quotes \\" and \\\\ and a: colon\\nand a line"
            seed: 18446744073709551615
            tunables: {arena_max: [1, 8], arena_test: 2, tcache_count: 0, mxfast: 64, mmap_threshold: 4k,
                       trim_threshold: 1m, top_pad: 0, perturb: 165}
            threads: {count: [1, 3], placement: {nodes: [0]}, arenas: [glibc, shared], memory: bind}
            check: {every_ops: 7}
            phases:
              - {name: a, allocate: {count: 10, size: {pow2: [16, 4k]}}}
              - {name: b, check: never, free: {count: 3, order: fifo}}
              - {name: c, churn: {duration: 1ms, live: 5, size: {lognormal: {median: 100, sigma: 0.5}},
                 mix: {malloc: 1, realloc: 0.25, calloc: 0.125, memalign: 0.001}, remote_free: 0.5}}
              - {name: d, handoff: {ops: 9, producers: 0.25, batch: 3, size: {inverse_square: [4, 32k]}}}
              - {name: e, free: {fraction: 0.5}}
              - {name: f, churn: {ops: 20, live: 4, size: {weighted: [[64, 10], [4k, 1.5]]}, rounds: 3}}
              - {name: g, allocate: {count: 1, size: {uniform: [0, 8]}}}
              - {name: h, respawn: {rounds: 2}}
              - {name: i, trim: true}
              - {name: j, inject: {kind: fastbin-dup}}
            check_content: head-tail
            expect: {violations: {detected: fastbin-dup}, os_requests: {max: 4},
                     fragmentation: [{phase: e, min: 0.1}, {phase: a, max: 0.9}], contention: {max: 0.05}, allocation_failures: {min: 1, max: 9}}
            """
        let scenario = try ScenarioLoader.parse(yaml, file: "all.yaml")
        let again = try ScenarioLoader.parse(scenario.yaml, file: "rendered.yaml")
        #expect(try Self.placeless(again) == Self.placeless(scenario), "\(scenario.yaml)")
        // The rendering is not the file: the comparison sees a difference.
        var other = scenario
        other.phases[3].kind = .respawn(rounds: 3)
        #expect(try Self.placeless(other) != Self.placeless(scenario))
    }

    /// What an edited report may hold is refused as the file would be, field named.
    @Test func aScenarioNotFromAFileIsValidatedAsAFileWouldBe() throws {
        var scenario = try ScenarioLoader.parse("name: x\nthreads: {count: [2, 4]}\nphases: [{name: a, allocate: {count: 5, size: 64}}]\n",
                                                file: "x.yaml")
        try ScenarioLoader.validate(scenario, as: "report.json")
        scenario.threads.counts = [2, 0]
        scenario.phases[0].kind = .allocate(AllocateSpec(count: 5, size: .uniform(min: 100, max: 8)))
        scenario.name = "Bad Name"
        do {
            try ScenarioLoader.validate(scenario, as: "report.json")
            Issue.record("an edited scenario passed")
        } catch {
            let messages = error.problems.map(\.message)
            #expect(messages.count == 3, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("name: must match") })
            #expect(messages.contains("threads.count[1]: must be at least 1, found 0"))
            #expect(messages.contains { $0.hasPrefix("phases[0].allocate.size.uniform: range is reversed") })
            #expect(error.problems.allSatisfy { $0.location.file == "report.json" })
        }
    }

    /// A key path's place in a file, for problems found after loading.
    @Test func keyPathsAreLocatedInTheirFile() throws {
        let path = NSTemporaryDirectory() + "locate-\(getpid()).yaml"
        try "name: x\nthreads:\n  count: [1, 2, 64]\nphases:\n  - name: a\n    allocate: {count: 5, size: 64}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        func at(_ key: String) -> String? { ScenarioLoader.location(of: key, inFile: path).map { "\($0.line):\($0.column)" } }
        #expect(at("threads.count[2]") == "3:17")
        #expect(at("phases[0].allocate.count") == "6:23")
        // A key the file leaves to its default: the deepest node that is there.
        #expect(at("phases[0].allocate.batch") == "6:15")
        #expect(at("check.every_ops") == "1:1")
        #expect(ScenarioLoader.location(of: "name", inFile: path + ".missing") == nil)
    }
}
