import ArenaStress
import Reporting
import Scenario
import TestSupport
import Testing

/// `check_content` in runs: whole patterns by default, sound churns report nothing in
/// either mode (on the model and on glibc), a scribble into a live block is G3, and the
/// report says which check ran.
@Suite struct ContentCheckRunTests {
    static func churn(seed: Int, target: String, content: String?) throws -> Scenario {
        try ScenarioLoader.parse("""
            name: content
            seed: \(seed)
            target: \(target)
            threads: {count: 2}
            check: {every_ops: 2000}
            \(content.map { "check_content: \($0)" } ?? "")
            phases:
              - name: fill
                allocate: {count: 300, size: {uniform: [1, 3000]}}
              - name: churn
                churn:
                  ops: 6000
                  live: 400
                  size: {weighted: [[8, 30], [100, 30], [1000, 30], [20000, 9], [200k, 1]]}
                  mix: {malloc: 1, realloc: 0.2, calloc: 0.1, memalign: 0.05}
                  remote_free: 0.2
              - name: free-half
                free: {fraction: 0.5, order: random}
            """, file: "content.yaml")
    }

    @Test(arguments: [1, 2, 3, 4])
    func soundChurnsReportNothingInEitherMode(seed: Int) throws {
        print("ContentCheckRunTests seed \(seed)")
        for (target, content) in [("model", nil), ("model", "head-tail"), ("glibc", "full")] {
            let report = Runner(scenario: try Self.churn(seed: seed, target: target, content: content)).run()
            #expect(report.scenario.checkContent == (content == "head-tail" ? .headTail : .full))
            for point in report.points {
                #expect(point.violations.isEmpty, "seed \(seed) \(target) \(content ?? "default"): \(point.violations.count) violations, first \(point.violations.prefix(2))")
                #expect(point.phases.map(\.checks).reduce(0, +) > 3, "the run checked")
            }
        }
    }

    @Test func aScribbleIntoALiveBlockIsG3AndTheReportSaysFull() throws {
        let s = try ScenarioLoader.load(path: TestSupport.packageRoot + "/Scenarios/corruption/canary-scribble.yaml")
        let report = Runner(scenario: s).run()
        #expect(report.points[0].violations.contains { $0.invariant == "G3" }, "\(report.points[0].violations.prefix(3))")
        #expect(report.passed)
        #expect(MarkdownReport.render(report, figures: []).contains("Content check: full"))
    }
}
