@testable import ArenaStress
import Reporting
import Scenario
import TestSupport
import Testing

@Suite struct ExpectationJudgeTests {
    /// A corruption that could not be injected was not detected, whatever else was found.
    @Test func anInjectionNotSetUpIsNoDetection() throws {
        let s = try ScenarioLoader.load(path: TestSupport.packageRoot + "/Scenarios/corruption/fastbin-dup.yaml")
        var report = Runner(scenario: s).runOnModel(s.sweepPoints[0])
        let detected = { (report: PointReport) in
            try #require(ExpectationJudge(scenario: s).judge(report).first { $0.expectation.hasPrefix("violations: detected") })
        }
        #expect(try detected(report).held)
        report.violations.insert(ViolationRecord(phase: "attack", invariant: ViolationRecord.injectionNotSetUp,
                                                 message: "worker 0: fastbin-dup could not be set up: malloc(24) returned NULL", detail: ""), at: 0)
        let outcome = try detected(report)
        #expect(!outcome.held)
        #expect(outcome.measured.hasPrefix("not injected: worker 0: fastbin-dup could not be set up"), "\(outcome.measured)")
    }
}
