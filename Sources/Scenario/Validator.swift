internal import Yams

/// Walks a composed YAML tree, collecting every problem with the place it is at. The
/// `Scenario+Validation` family of extensions builds the scenario's values with it; each
/// reader returns nil after reporting, so the walk goes on and finds the rest.
struct Validator {
    /// The file every location names.
    let file: String
    /// The problems found so far, in the order found.
    private(set) var problems: [ScenarioProblem] = []

    init(file: String) { self.file = file }

    /// Where `node` starts (1:1 when Yams gives no mark).
    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    /// Records `message` under the key path `path`, at `node`.
    mutating func report(_ path: String, _ message: String, at node: Node) {
        report(path, message, at: location(node))
    }

    /// Records `message` under the key path `path`, at `location`.
    mutating func report(_ path: String, _ message: String, at location: SourceLocation) {
        problems.append(ScenarioProblem(location: location, message: path.isEmpty ? message : "\(path): \(message)"))
    }

    /// How a node looks in a message: a scalar quoted, else what it is.
    static func display(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            let text = scalar.string
            return text.count > 40 ? "'\(text.prefix(37))...'" : "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// True for a plain `~`, `null` or empty scalar.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The text of a non-null scalar, nil for anything else.
    static func text(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node, !isNull(node) else { return nil }
        return scalar.string
    }

    /// `path.key`, or `key` at the top.
    static func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// A mapping's entries by key, once unknown keys have been reported.
struct Fields {
    /// The mapping node itself.
    let node: Node
    /// The key path of the mapping.
    let path: String
    /// Known keys present, in file order, with their key and value nodes.
    let entries: [(key: String, keyNode: Node, value: Node)]
    /// True when the mapping had a key that is not known.
    let hadUnknownKeys: Bool

    /// The value of `key`, if present.
    subscript(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

    /// The key node of `key`, if present.
    func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }

    /// `path.key`.
    func path(_ key: String) -> String { Validator.child(path, key) }
}

extension Validator {
    /// `node` as a mapping with only `known` keys (others reported, with a suggestion)
    /// and every key of `required` (a missing one reported at the mapping's start).
    /// Nil, after a report, when `node` is not a mapping.
    mutating func fields(
        _ node: Node, path: String, known: [String], required: [String] = [], expected: String = "a mapping"
    ) -> Fields? {
        guard case .mapping(let mapping) = node else {
            report(path, "expected \(expected), found \(Self.display(node))", at: node)
            return nil
        }
        var entries: [(String, Node, Node)] = []
        var unknown = false
        // A misspelt required key is reported once, as unknown with its suggestion, not
        // again as missing.
        var suggested: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = Self.text(keyNode) else {
                report(path, "expected a plain key, found \(Self.display(keyNode))", at: keyNode)
                unknown = true
                continue
            }
            if DuplicateKeys.isStandIn(key) { continue }
            if known.contains(key) {
                entries.append((key, keyNode, value))
            } else {
                unknown = true
                let nearest = Suggestion.nearest(key, among: known)
                if let nearest { suggested.insert(nearest) }
                let hint = nearest.map { "; did you mean '\($0)'?" } ?? ""
                let list = hint.isEmpty ? "; known keys: \(known.joined(separator: ", "))" : hint
                report(path, "unknown key '\(key)'\(list)", at: keyNode)
            }
        }
        let fields = Fields(node: node, path: path, entries: entries, hadUnknownKeys: unknown)
        for key in required where fields[key] == nil && !suggested.contains(key) {
            report(path, "missing required key '\(key)'", at: node)
        }
        return fields
    }

    /// A whole number in `range`, from a scalar (`100_000` and `0x400` are fine).
    mutating func int(_ node: Node, path: String, in range: ClosedRange<Int>, note: String = "") -> Int? {
        guard let text = Self.text(node), let value = Units.parseInteger(text) else {
            report(path, "expected an integer, found \(Self.display(node))", at: node)
            return nil
        }
        return checked(value, path: path, in: range, note: note, at: node)
    }

    /// A size in bytes in `range`, from a number or a number with a unit (`4k`).
    mutating func size(_ node: Node, path: String, in range: ClosedRange<Int> = 0...Units.maxSize, note: String = "")
        -> Int?
    {
        guard let text = Self.text(node) else {
            report(path, "expected a size such as 64, 4k or 1m, found \(Self.display(node))", at: node)
            return nil
        }
        if let value = Units.parseInteger(text), value < 0 {
            return checked(value, path: path, in: range, note: note, at: node)
        }
        switch Units.parseSize(text) {
        case .success(let value): return checked(value, path: path, in: range, note: note, at: node)
        case .failure(let error):
            report(path, error.message, at: node)
            return nil
        }
    }

    /// A duration in nanoseconds, more than zero, from a number with a unit (`5s`).
    mutating func duration(_ node: Node, path: String) -> Int? {
        guard let text = Self.text(node) else {
            report(path, "expected a duration such as 500ms or 5s, found \(Self.display(node))", at: node)
            return nil
        }
        switch Units.parseDuration(text) {
        case .success(let value):
            return checked(value, path: path, in: 1...Units.maxDuration, note: "", at: node, render: { "\($0)ns" })
        case .failure(let error):
            report(path, error.message, at: node)
            return nil
        }
    }

    /// A number; nil after a report when it is not one.
    mutating func number(_ node: Node, path: String) -> Double? {
        guard let text = Self.text(node), let value = Units.parseNumber(text) else {
            report(path, "expected a number, found \(Self.display(node))", at: node)
            return nil
        }
        return value
    }

    /// A fraction in 0...1 (`open` excludes both ends).
    mutating func fraction(_ node: Node, path: String, open: Bool = false) -> Double? {
        let range = open ? "strictly between 0 and 1" : "in 0...1"
        guard let text = Self.text(node), let value = Units.parseNumber(text) else {
            report(path, "expected a fraction \(range), found \(Self.display(node))", at: node)
            return nil
        }
        guard open ? (value > 0 && value < 1) : (value >= 0 && value <= 1) else {
            report(path, "expected a fraction \(range), found \(text)", at: node)
            return nil
        }
        return value
    }

    /// A string scalar, not empty.
    mutating func string(_ node: Node, path: String) -> String? {
        guard let text = Self.text(node), case .scalar = node, !text.isEmpty else {
            report(path, "expected a string, found \(Self.display(node))", at: node)
            return nil
        }
        return text
    }

    /// One of `choices` (a `what` such as "target"), the nearest suggested when not.
    mutating func choice(_ node: Node, path: String, among choices: [String], what: String) -> String? {
        guard let text = Self.text(node) else {
            report(path, "expected a \(what) (\(choices.joined(separator: ", "))), found \(Self.display(node))", at: node)
            return nil
        }
        guard choices.contains(text) else {
            let hint = Suggestion.didYouMean(text, among: choices)
            let list = hint.isEmpty && choices.count <= 8 ? "; expected one of \(choices.joined(separator: ", "))" : hint
            report(path, "unknown \(what) '\(text)'\(list)", at: node)
            return nil
        }
        return text
    }

    /// A single item or a non-empty list of them, each read by `read`.
    mutating func oneOrMany<T>(
        _ node: Node, path: String, _ read: (inout Validator, Node, String) -> T?
    ) -> [T]? {
        guard case .sequence(let sequence) = node else { return read(&self, node, path).map { [$0] } }
        guard !sequence.isEmpty else {
            report(path, "expected at least one value, found an empty list", at: node)
            return nil
        }
        var values: [T] = []
        var failed = false
        for (i, item) in sequence.enumerated() {
            if let value = read(&self, item, "\(path)[\(i)]") { values.append(value) } else { failed = true }
        }
        return failed ? nil : values
    }

    private mutating func checked(
        _ value: Int, path: String, in range: ClosedRange<Int>, note: String, at node: Node,
        render: (Int) -> String = { "\($0)" }
    ) -> Int? {
        if value < range.lowerBound {
            let bound = range.lowerBound == 0 ? "must not be negative" : "must be at least \(render(range.lowerBound))"
            report(path, "\(bound), found \(render(value))", at: node)
            return nil
        }
        if value > range.upperBound {
            report(path, "must be at most \(render(range.upperBound))\(note), found \(render(value))", at: node)
            return nil
        }
        return value
    }
}
