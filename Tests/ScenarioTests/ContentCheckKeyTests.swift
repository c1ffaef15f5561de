import Foundation
import Testing
@testable import Scenario

/// `check_content`: full unless the file says head-tail, and a scenario written before
/// the key existed (in an old report) reads back as full.
@Suite struct ContentCheckKeyTests {
    static let phases = "phases:\n  - name: fill\n    allocate: {count: 10, size: {fixed: 64}}\n"

    @Test func fullUnlessTheFileSaysHeadTail() throws {
        #expect(try ScenarioLoader.parse("name: a\n" + Self.phases, file: "a.yaml").checkContent == .full)
        #expect(try ScenarioLoader.parse("name: a\ncheck_content: full\n" + Self.phases, file: "a.yaml").checkContent == .full)
        #expect(try ScenarioLoader.parse("name: a\ncheck_content: head-tail\n" + Self.phases, file: "a.yaml").checkContent == .headTail)
    }

    @Test func aWrongValueIsOneProblemWhereItStands() {
        do {
            _ = try ScenarioLoader.parse("name: a\ncheck_content: [full]\n" + Self.phases, file: "a.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.description.hasPrefix("a.yaml:2:16: check_content: expected a content check (full, head-tail)"), "\(error)")
        }
    }

    @Test func aScenarioFromBeforeTheKeyReadsBackAsFull() throws {
        var scenario = try ScenarioLoader.parse("name: a\ncheck_content: head-tail\n" + Self.phases, file: "a.yaml")
        let encoded = try JSONEncoder().encode(scenario)
        #expect(try JSONDecoder().decode(Scenario.self, from: encoded) == scenario)
        var object = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        #expect(object.removeValue(forKey: "checkContent") as? String == "head-tail")
        let old = try JSONDecoder().decode(Scenario.self, from: JSONSerialization.data(withJSONObject: object))
        scenario.checkContent = .full
        #expect(old == scenario)
    }
}
