import Foundation
import Testing
@testable import Scenario

/// What the loader does with files it cannot use: one readable problem each, never a trap.
@Suite struct LoaderTests {
    func problems(_ text: String, file: String = "t.yaml") -> [ScenarioProblem] {
        do {
            _ = try ScenarioLoader.parse(text, file: file)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func aMissingFileIsOneProblemAtItsStart() {
        #expect(throws: ScenarioErrors.self) { try ScenarioLoader.load(path: "/nonexistent/x.yaml") }
        do {
            _ = try ScenarioLoader.load(path: "/nonexistent/x.yaml")
        } catch {
            #expect(error.description == "/nonexistent/x.yaml:1:1: no such file")
        }
        do {
            _ = try ScenarioLoader.load(path: NSTemporaryDirectory())
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems[0].message.contains("directory"))
        }
    }

    @Test func aFileThatIsNotUTF8() throws {
        let path = NSTemporaryDirectory() + "scenario-loader-\(getpid()).yaml"
        try Data([0x6e, 0x61, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("accepted")
        } catch {
            #expect(error.description == "\(path):1:1: not UTF-8 text")
        }
    }

    @Test func loadReadsAFile() throws {
        let path = NSTemporaryDirectory() + "scenario-loader-ok-\(getpid()).yaml"
        try "name: ok\nphases:\n  - {name: t, trim: true}\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = try ScenarioLoader.load(path: path)
        #expect(s.source == path)
        #expect(s.phases[0].location == SourceLocation(file: path, line: 3, column: 5))
    }

    @Test func emptyAndCommentOnlyFiles() {
        for text in ["", "# nothing\n", "---\n"] {
            let p = problems(text)
            #expect(p.count == 1, "\(text.debugDescription): \(p)")
            #expect(p.first?.location.line == 1)
        }
    }

    @Test func brokenYAMLIsOneReadableProblem() {
        let cases: [(String, Int, Int)] = [
            ("name: x\nphases: [a, b\n", 3, 1),
            ("name: x\n\tphases: []\n", 2, 1),
            ("name: [x\n", 2, 1),
            ("name: x\n- y\n", 2, 1),
            ("a: *missing\n", 1, 4),
        ]
        for (text, line, column) in cases {
            let p = problems(text)
            #expect(p.count == 1, "\(text.debugDescription): \(p)")
            guard let first = p.first else { continue }
            #expect(first.message.hasPrefix("invalid YAML: "), "\(first)")
            #expect(!first.message.contains("YamlError") && !first.message.contains("Mark("), "\(first)")
            #expect((first.location.line, first.location.column) == (line, column), "\(text.debugDescription): \(first)")
        }
    }

    @Test func twoDocumentsAreRefused() {
        let p = problems("name: a\nphases: [{name: t, trim: true}]\n---\nname: b\n")
        #expect(p.count == 1)
        #expect(p.first?.message.contains("invalid YAML") == true)
    }

    @Test func everyDuplicateKeyIsReportedAtTheRepeat() {
        let text = """
            name: dup
            seed: 1
            seed: 2
            phases:
              - name: a
                allocate: {count: 1, count: 2, size: 64}
              - name: b
                "trim": true
                trim: true
            seed: 3

            """
        let p = problems(text)
        #expect(p.map { "\($0.location.line):\($0.location.column): \($0.message)" } == [
            "3:1: duplicate key 'seed' (first at line 2)",
            "6:26: phases[0].allocate: duplicate key 'count' (first at line 6)",
            "9:5: phases[1]: duplicate key 'trim' (first at line 8)",
            "10:1: duplicate key 'seed' (first at line 2)",
        ])
    }

    @Test func duplicateKeysDoNotHideOtherProblems() {
        let p = problems("name: dup\nname: dup\ntarget: glib\nphases: [{name: t, trim: true}]\n")
        #expect(p.map(\.location.line) == [2, 3])
        #expect(p.last?.message.contains("did you mean 'glibc'?") == true)
    }

    @Test func windowsLineEndingsKeepTheirLines() {
        let p = problems("name: crlf\r\nseed: x\r\nphases: [{name: t, trim: true}]\r\n")
        #expect(p.count == 1)
        #expect(p.first?.location.line == 2 && p.first?.location.column == 7)
    }

    @Test func problemsAreSortedByLineThenColumn() {
        let errors = ScenarioErrors(problems: [
            ScenarioProblem(location: SourceLocation(file: "f", line: 9, column: 1), message: "c"),
            ScenarioProblem(location: SourceLocation(file: "f", line: 2, column: 8), message: "b"),
            ScenarioProblem(location: SourceLocation(file: "f", line: 2, column: 3), message: "a"),
        ])
        #expect(errors.description == "f:2:3: a\nf:2:8: b\nf:9:1: c")
    }

    /// A quoted scalar with a line break in it (a block scalar, `"a\nb"`) still makes one line.
    @Test func aProblemIsOneLineWhateverItQuotes() {
        let p = problems("name: nl\nseed: \"3\\n1024\"\nphases: [{name: t, trim: true}]\n")
        #expect(p.count == 1)
        let line = p.first?.description ?? ""
        #expect(!line.contains("\n") && line.hasPrefix("t.yaml:2:7: ") && line.contains("3\\n1024"), "\(line)")
    }

    @Test func suggestionsAreNearOrNothing() {
        #expect(Suggestion.nearest("thread", among: ["threads", "tunables"]) == "threads")
        #expect(Suggestion.nearest("desc", among: Scenario.knownKeys[""]!) == "description")
        #expect(Suggestion.nearest("remote-free", among: Scenario.knownKeys["churn"]!) == "remote_free")
        #expect(Suggestion.nearest("zzzzzz", among: Scenario.knownKeys[""]!) == nil)
        #expect(Suggestion.distance("kitten", "sitting") == 3)
    }

    @Test func aScalarSizeIsShortForFixed() throws {
        let s = try ScenarioLoader.parse("name: s\nphases: [{name: a, allocate: {count: 1, size: 4k}}]", file: "s.yaml")
        #expect(s.phases[0].kind == .allocate(AllocateSpec(count: 1, size: .fixed(4096))))
    }
}
