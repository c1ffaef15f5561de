internal import Yams

/// Duplicate keys in one mapping. Yams stops at the first; the loader writes stand-ins
/// over them so the file composes, and this walk reports each duplicate at the key that
/// repeats an earlier one, naming the earlier one's line.
enum DuplicateKeys {
    /// A line and column as Yams marks them (1-based).
    struct Place: Hashable {
        var line: Int
        var column: Int
    }

    /// How many duplicate keys one file may have before the loader gives up: each stand-in
    /// starts with a private-use character of its own, and there are 6400 of those.
    static let maxStandIns = 1000

    private static let firstStandIn: UInt32 = 0xE000

    /// True for a key the loader wrote over.
    static func isStandIn(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first else { return false }
        return (firstStandIn..<firstStandIn + UInt32(maxStandIns)).contains(first.value)
    }

    /// `source` with the key token at `place` (plain or quoted) overwritten by as many
    /// private-use characters, the first unique to `attempt`; nil when there is no key
    /// token there.
    static func overwriteKey(in source: String, at place: Place, attempt: Int) -> String? {
        var scalars = Array(source.unicodeScalars)
        var line = 1, i = 0
        while line < place.line, i < scalars.count {
            if scalars[i] == "\n" { line += 1 }
            i += 1
        }
        let start = i + place.column - 1
        guard line == place.line, start < scalars.count else { return nil }
        var end = start
        switch scalars[start] {
        case "\"", "'":
            let quote = scalars[start]
            end += 1
            while end < scalars.count {
                if quote == "\"", scalars[end] == "\\" { end += 2; continue }
                if scalars[end] == quote {
                    if quote == "'", end + 1 < scalars.count, scalars[end + 1] == "'" { end += 2; continue }
                    end += 1
                    break
                }
                end += 1
            }
        case "{", "[", "?", "&", "*", "!":
            return nil
        default:
            // A plain key ends at ': ', ':' before a break or the end, or a flow indicator.
            while end < scalars.count, scalars[end] != "\n" {
                if scalars[end] == ":", end + 1 >= scalars.count || " \t\r\n,]}".unicodeScalars.contains(scalars[end + 1]) {
                    break
                }
                if ",]}".unicodeScalars.contains(scalars[end]) { break }
                end += 1
            }
            while end > start, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        }
        guard end > start, end <= scalars.count else { return nil }
        let unique = Unicode.Scalar(firstStandIn + UInt32(attempt))!
        let filler = Unicode.Scalar(firstStandIn)!
        scalars.replaceSubrange(start..<end, with: [unique] + Array(repeating: filler, count: end - start - 1))
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    /// One problem per key that repeats an earlier key of its mapping, anywhere in `root`.
    static func find(in root: Node, standIns: [Place: String], file: String) -> [ScenarioProblem] {
        var problems: [ScenarioProblem] = []
        func walk(_ node: Node, _ path: String) {
            switch node {
            case .mapping(let mapping):
                var firstLine: [String: Int] = [:]
                for (key, value) in mapping {
                    let mark = key.mark.map { Place(line: $0.line, column: $0.column) } ?? Place(line: 1, column: 1)
                    let name = standIns[mark] ?? key.scalar?.string ?? "?"
                    if let first = firstLine[name] {
                        problems.append(ScenarioProblem(
                            location: SourceLocation(file: file, line: mark.line, column: mark.column),
                            message: "\(path.isEmpty ? "" : "\(path): ")duplicate key '\(name)' (first at line \(first))"))
                    } else {
                        firstLine[name] = mark.line
                    }
                    walk(value, Validator.child(path, name))
                }
            case .sequence(let sequence):
                for (i, item) in sequence.enumerated() { walk(item, "\(path)[\(i)]") }
            case .scalar, .alias:
                break
            }
        }
        walk(root, "")
        return problems
    }
}
