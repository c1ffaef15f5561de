import Foundation
import Testing
@testable import Scenario

/// Every file in `Malformed/` is refused with exactly the problems its `# expect:` lines
/// name (`# expect: LINE:COLUMN: substring of the message`, one per problem, in file
/// order). A file with `# needs:` lines instead is valid, but needs more than any machine
/// gives: the loader accepts it, the command line refuses it there (`CommandLineTests`,
/// `RunNeedsTests`). The CLI's tests use the same files.
@Suite struct MalformedScenarioTests {
    static let directory: URL = Bundle.module.resourceURL!.appendingPathComponent("Malformed")

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    struct Expected: CustomStringConvertible {
        var line: Int
        var column: Int
        var substring: String
        var description: String { "\(line):\(column): \(substring)" }
    }

    static func expectations(in text: String, marker: String = "# expect: ") -> [Expected] {
        text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> Expected? in
            guard line.hasPrefix(marker) else { return nil }
            let parts = line.dropFirst(marker.count).split(separator: ":", maxSplits: 2)
            guard parts.count == 3, let l = Int(parts[0]), let c = Int(parts[1]) else { return nil }
            return Expected(line: l, column: c, substring: parts[2].trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files.count >= 18, "found \(Self.files)")
        for name in ["broken-yaml.yaml", "unknown-key.yaml", "wrong-type.yaml", "negative-count.yaml",
                     "absurd-threads.yaml", "reversed-range.yaml", "two-kinds.yaml", "no-kind.yaml",
                     "unknown-kind.yaml", "unknown-target.yaml", "unknown-corruption.yaml",
                     "duplicate-phase.yaml", "expect-missing-phase.yaml", "fraction-out-of-range.yaml",
                     "duplicate-key.yaml", "size-too-big.yaml", "bad-unit.yaml", "several-problems.yaml"] {
            #expect(Self.files.contains(name), "missing \(name)")
        }
    }

    @Test(arguments: files)
    func refusedWithExactlyTheExpectedProblems(_ name: String) throws {
        let path = Self.directory.appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = Self.expectations(in: text)
        if !Self.expectations(in: text, marker: "# needs: ").isEmpty {
            #expect(expected.isEmpty, "\(name) has both '# expect:' and '# needs:' lines")
            #expect(throws: Never.self, "\(name): the file itself is valid") { try ScenarioLoader.load(path: path) }
            return
        }
        try #require(!expected.isEmpty, "\(name) has no '# expect:' line")
        do {
            let scenario = try ScenarioLoader.load(path: path)
            Issue.record("\(name) was accepted: \(scenario.name)")
        } catch {
            let problems = error.problems
            #expect(problems.count == expected.count, "\(name):\n\(error)")
            for (problem, want) in zip(problems, expected) {
                #expect(problem.location.file == path)
                #expect(problem.location.line == want.line && problem.location.column == want.column,
                        "\(name): wanted \(want), got \(problem)")
                #expect(problem.message.contains(want.substring), "\(name): wanted \(want), got \(problem)")
                #expect(problem.description == "\(path):\(problem.location.line):\(problem.location.column): \(problem.message)")
            }
            // One line per problem, in file order.
            #expect(error.description.split(separator: "\n").count == problems.count)
            #expect(problems.map(\.location) == problems.map(\.location).sorted())
        }
    }

    @Test func theHarnessCanFail() {
        // A wrong expectation is told apart: the harness compares line, column and text.
        let text = "# expect: 3:1: unknown key 'sed'\nname: x\nsed: 4\nphases: [{name: a, trim: true}]\n"
        let wanted = Self.expectations(in: text)
        #expect(wanted.count == 1 && wanted[0].line == 3 && wanted[0].column == 1)
        #expect(throws: ScenarioErrors.self) { try ScenarioLoader.parse(text, file: "x.yaml") }
        do {
            _ = try ScenarioLoader.parse(text, file: "x.yaml")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems[0].location.line == 3)
            #expect(error.problems[0].location.line != 4)
        }
    }
}
