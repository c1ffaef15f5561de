import Foundation
internal import Yams

/// Reads scenario files. Both entry points validate the whole file and throw every
/// problem found, each at its `file:line:column`, or return a scenario with its defaults
/// resolved. Nothing here traps on bad input.
public enum ScenarioLoader {
    /// The scenario in the file at `path`. An unreadable file is one problem at
    /// `path:1:1`.
    public static func load(path: String) throws(ScenarioErrors) -> Scenario {
        func fail(_ message: String) -> ScenarioErrors {
            ScenarioErrors(problems: [ScenarioProblem(location: SourceLocation(file: path, line: 1, column: 1), message: message)])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("no such file") }
        guard !isDirectory.boolValue else { throw fail("is a directory, not a scenario file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }
        return try parse(text, file: path)
    }

    /// The scenario in `text`; `file` names it in locations and becomes its `source`.
    public static func parse(_ text: String, file: String) throws(ScenarioErrors) -> Scenario {
        let root: Node
        var problems: [ScenarioProblem]
        switch compose(text, file: file) {
        case .failure(let problem):
            throw ScenarioErrors(problems: [problem])
        case .success(let (node, standIns)):
            guard let node, !Validator.isNull(node) else {
                throw ScenarioErrors(problems: [ScenarioProblem(
                    location: SourceLocation(file: file, line: 1, column: 1),
                    message: "empty file; a scenario needs at least 'name' and 'phases'")])
            }
            root = node
            problems = DuplicateKeys.find(in: root, standIns: standIns, file: file)
        }
        var validator = Validator(file: file)
        let scenario = validator.scenario(from: root)
        problems += validator.problems
        guard problems.isEmpty, let scenario else {
            // A scenario that failed without a problem would be a bug here; say so rather than pass.
            if problems.isEmpty {
                problems.append(ScenarioProblem(location: SourceLocation(file: file, line: 1, column: 1),
                                                message: "internal error: the scenario was refused without a reason"))
            }
            throw ScenarioErrors(problems: problems)
        }
        return scenario
    }

    /// The YAML tree of `text`. Yams refuses a mapping with a duplicate key outright, so
    /// that every other problem is still found, the first of two duplicate keys is
    /// overwritten with a stand-in of the same length (the columns after it keep their
    /// place) and the text composed again; the stand-ins are returned with the name they
    /// replace, for `DuplicateKeys` to report.
    private static func compose(_ text: String, file: String)
        -> Result<(Node?, [DuplicateKeys.Place: String]), ScenarioProblem>
    {
        var source = text
        var standIns: [DuplicateKeys.Place: String] = [:]
        for attempt in 0..<DuplicateKeys.maxStandIns {
            do {
                return .success((try Yams.compose(yaml: source), standIns))
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                let place = DuplicateKeys.Place(line: context.mark.line, column: context.mark.column)
                guard let name = duplicates.first,
                      let replaced = DuplicateKeys.overwriteKey(in: source, at: place, attempt: attempt)
                else {
                    let name = duplicates.first.map { " '\($0)'" } ?? ""
                    return .failure(problem(file, place.line, place.column, "duplicate key\(name)"))
                }
                standIns[place] = name
                source = replaced
            } catch {
                return .failure(yamlProblem(error, text: text, file: file))
            }
        }
        return .failure(problem(file, 1, 1, "too many duplicate keys"))
    }

    /// A Yams error as a problem: its mark made a location, its text a readable message.
    static func yamlProblem(_ error: any Error, text: String, file: String) -> ScenarioProblem {
        func message(_ problem: String, _ context: YamlError.Context?) -> String {
            let context = context.map { " (\($0.text) started at \($0.mark.line):\($0.mark.column))" } ?? ""
            return "invalid YAML: \(problem)\(context)"
        }
        switch error {
        case YamlError.scanner(let context, let problem, let mark, _),
             YamlError.parser(let context, let problem, let mark, _),
             YamlError.composer(let context, let problem, let mark, _):
            return Self.problem(file, mark.line, mark.column, message(problem, context))
        case YamlError.reader(let problem, let offset, _, _):
            let (line, column) = lineAndColumn(of: offset ?? 0, in: text)
            return Self.problem(file, line, column, "invalid YAML: \(problem)")
        default:
            return Self.problem(file, 1, 1, "invalid YAML: \(error)")
        }
    }

    private static func problem(_ file: String, _ line: Int, _ column: Int, _ message: String) -> ScenarioProblem {
        ScenarioProblem(location: SourceLocation(file: file, line: max(line, 1), column: max(column, 1)), message: message)
    }

    /// The 1-based line and column of the `offset`-th character of `text`.
    private static func lineAndColumn(of offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
