/// Bad input where a trace was expected, located as `file:line:column: message`.
public struct TraceError: Error, Equatable, CustomStringConvertible {
    /// The file.
    public let path: String
    /// 1-based.
    public let line: Int
    /// 1-based, in bytes.
    public let column: Int
    /// What is wrong there.
    public let message: String

    /// An error at `line` and `column` (1-based) of the file at `path`.
    public init(path: String, line: Int, column: Int, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`.
    public var description: String { "\(path):\(line):\(column): \(message)" }
}
