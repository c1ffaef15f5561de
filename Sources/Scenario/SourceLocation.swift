/// A place in a scenario file: the file's path and a 1-based line and column (columns
/// count Unicode scalars, as libyaml does).
public struct SourceLocation: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// The path of the file as it was given to the loader.
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column, from 1.
    public var column: Int

    /// A location in `file` at `line` and `column` (both from 1).
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column)" }
}

extension SourceLocation: Comparable {
    /// Orders by file, then line, then column.
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}
