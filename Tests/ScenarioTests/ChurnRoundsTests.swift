import Testing
@testable import Scenario

/// `churn.rounds`: larson's successor threads, validated at its place in the file.
@Suite struct ChurnRoundsTests {
    func problems(_ text: String) -> [String] {
        do {
            _ = try ScenarioLoader.parse(text, file: "r.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func roundsAreReadAndAbsentMeansOne() throws {
        let s = try ScenarioLoader.parse("""
            name: r
            phases:
              - {name: a, churn: {ops: 100, live: 4, size: 64, rounds: 4}}
              - {name: b, churn: {ops: 100, live: 4, size: 64}}
            """, file: "r.yaml")
        guard case .churn(let a) = s.phases[0].kind, case .churn(let b) = s.phases[1].kind else {
            Issue.record("not churns")
            return
        }
        #expect(a.rounds == 4)
        #expect(b.rounds == nil)
    }

    @Test func roundsWithADurationAreRefusedAtTheKey() {
        #expect(problems("""
            name: r
            phases:
              - name: a
                churn: {duration: 1s, live: 4, size: 64, rounds: 2}
            """) == ["r.yaml:4:54: phases[0].churn.rounds: 'rounds' needs 'ops' (each round makes its share of them), not 'duration'"])
    }

    @Test func moreRoundsThanOpsAreRefused() {
        #expect(problems("""
            name: r
            phases:
              - name: a
                churn: {ops: 3, live: 4, size: 64, rounds: 5}
            """) == ["r.yaml:4:48: phases[0].churn.rounds: 5 rounds of 3 ops would leave rounds without ops"])
    }

    @Test func roundsMustBePositive() {
        let found = problems("name: r\nphases: [{name: a, churn: {ops: 3, live: 4, size: 64, rounds: 0}}]\n")
        #expect(found.count == 1 && found[0].hasPrefix("r.yaml:2:") && found[0].contains("phases[0].churn.rounds"), "\(found)")
    }
}
