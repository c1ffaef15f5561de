/// Every problem found in a scenario file: the loader validates the whole file and
/// throws them together, so a user fixes them in one go.
public struct ScenarioErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, sorted by file, line and column.
    public var problems: [ScenarioProblem]

    /// The problems, sorted by their location (the sort is stable, so two problems at
    /// one place keep the order they were found in).
    public init(problems: [ScenarioProblem]) {
        self.problems = problems.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
    }

    /// One line per problem, `file:line:column: message`, in file order.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
