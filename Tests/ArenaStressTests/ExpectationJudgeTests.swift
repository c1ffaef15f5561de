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

    /// `detected: KIND` holds only when a check that catches the kind fired (its row of
    /// the corpus table): any other finding is no detection of it, and the outcome says
    /// which check caught it.
    @Test func onlyACatchingCheckIsADetection() throws {
        let s = try ScenarioLoader.load(path: TestSupport.packageRoot + "/Scenarios/corruption/fastbin-dup.yaml")
        var report = Runner(scenario: s).runOnModel(s.sweepPoints[0])
        let judged = { (report: PointReport) in
            try #require(ExpectationJudge(scenario: s).judge(report).first { $0.expectation.hasPrefix("violations: detected") })
        }
        let real = try judged(report)
        #expect(real.held)
        #expect(real.measured.hasPrefix("caught by L6"), "\(real.measured)")
        let finding = { (invariant: String, message: String) in ViolationRecord(phase: "attack", invariant: invariant, message: message, detail: "") }
        report.violations = [finding("G3", "worker 0: live block 0x1000 (24 bytes) changed at offset 0 before its free"),
                             finding("runtime", "malloc(): unaligned fastbin chunk detected")]
        let other = try judged(report)
        #expect(!other.held)
        #expect(other.measured == "not caught by L6; \"double free or corruption (fasttop)\" (found: G3, \"malloc(): unaligned fastbin chunk detected\")")
        report.violations.append(finding("runtime", "double free or corruption (fasttop)"))
        let fasttop = try judged(report)
        #expect(fasttop.held)
        #expect(fasttop.measured == "caught by \"double free or corruption (fasttop)\"; also found: G3, \"malloc(): unaligned fastbin chunk detected\"")
        report.violations = []
        #expect(try judged(report).measured == "not detected")
    }

    /// `allocation_failures` judges the NULLs of every phase: `0` fails on one, and the
    /// outcome names the first call that failed.
    @Test func allocationFailuresAreJudgedOnTheRunsNulls() throws {
        let yaml = { (expect: String) in
            try ScenarioLoader.parse("""
                name: nulls
                phases:
                  - name: fill
                    allocate: {count: 2, size: {fixed: 64t}}
                  - name: more
                    allocate: {count: 1, size: {fixed: 64t}}
                expect:
                  allocation_failures: \(expect)
                """, file: "nulls.yaml")
        }
        for (expect, held) in [("0", false), ("{max: 2}", false), ("{max: 3}", true), ("{min: 3}", true), ("{min: 4}", false), ("{min: 1, max: 5}", true)] {
            let s = try yaml(expect)
            let report = Runner(scenario: s).runOnModel(s.sweepPoints[0])
            let outcome = try #require(ExpectationJudge(scenario: s).judge(report).first { $0.expectation.hasPrefix("allocation_failures") })
            #expect(outcome.held == held, "\(expect): \(outcome)")
            #expect(outcome.measured == "3 (first: malloc(70368744177664) in fill)")
            #expect(outcome.location == "nulls.yaml:8:24")
        }
        // Unjudged when absent.
        let s = try ScenarioLoader.parse("name: quiet\nphases:\n  - name: a\n    allocate: {count: 1, size: 64t}\n", file: "quiet.yaml")
        #expect(ExpectationJudge(scenario: s).judge(Runner(scenario: s).runOnModel(s.sweepPoints[0])).map(\.expectation) == ["violations: 0"])
    }

    @Test func aBadAllocationFailuresExpectationIsOneClearLine() {
        for (value, message) in [("{min: 3, max: 1}", "nulls.yaml:4:24: expect.allocation_failures: range is reversed: min 3 > max 1"),
                                 ("{}", "nulls.yaml:4:24: expect.allocation_failures: give 'min', 'max' or both"),
                                 ("lots", "nulls.yaml:4:24: expect.allocation_failures: expected an integer, found 'lots'"),
                                 ("{most: 3}", "nulls.yaml:4:25: expect.allocation_failures: unknown key 'most'; did you mean 'min'?")] {
            let error = #expect(throws: ScenarioErrors.self) {
                try ScenarioLoader.parse("name: nulls\nphases: [{name: a, allocate: {count: 1, size: 64}}]\nexpect:\n  allocation_failures: \(value)\n", file: "nulls.yaml")
            }
            #expect(error?.description == message)
        }
    }
}
