import Foundation
internal import Yams

extension ScenarioLoader {
    /// Checks `scenario`, which did not come from a file (a report's), as a file is
    /// checked: its `yaml` read by the validator. Throws every problem, each at its
    /// place in that text, named `file`; the messages name the key paths. Returns the
    /// scenario as the validator read it (values normalised as a file's are: pow2 bounds
    /// rounded to powers of two, say), which is the one to run.
    @discardableResult
    public static func validate(_ scenario: Scenario, as file: String) throws(ScenarioErrors) -> Scenario {
        var validated = try parse(scenario.yaml, file: file)
        validated.source = scenario.source
        return validated
    }

    /// Where the value at `keyPath` is in the scenario file at `path`, for a problem
    /// found after validation (a run this machine cannot give what it needs). Key paths
    /// are the validator's: `threads.count[2]`, `phases[0].allocate.count`. The deepest
    /// node of the path that the file has is the answer (an index into a scalar stands
    /// for the scalar: `count: 4` is `count[0]`); nil when the file cannot be read.
    public static func location(of keyPath: String, inFile path: String) -> SourceLocation? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
              let root = try? Yams.compose(yaml: text)
        else { return nil }
        var node = root
        for step in steps(keyPath) {
            switch step {
            case .key(let key):
                guard let value = node.mapping?[key] else { return location(node, path) }
                node = value
            case .index(let index):
                guard case .sequence(let sequence) = node else { continue }
                guard index < sequence.count else { return location(node, path) }
                node = sequence[index]
            }
        }
        return location(node, path)
    }

    private enum Step { case key(String), index(Int) }

    /// `phases[0].allocate.count` as keys and indices.
    private static func steps(_ keyPath: String) -> [Step] {
        var steps: [Step] = []
        for part in keyPath.split(separator: ".") {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                steps.append(.key(String(rest[..<bracket])))
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let index = Int(rest[rest.index(after: rest.startIndex)..<close]) { steps.append(.index(index)) }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                steps.append(.key(String(rest)))
            }
        }
        return steps
    }

    private static func location(_ node: Node, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }
}
