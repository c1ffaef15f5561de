/// One thing wrong with a scenario file, at the place that is wrong.
public struct ScenarioProblem: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// Where the offending key or value is.
    public var location: SourceLocation
    /// A short, lower-case message that names the key path, e.g.
    /// `phases[2].churn.size.uniform: range is reversed: 1000 > 8`.
    public var message: String

    /// A problem at `location`.
    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:column: message`, on one line: a line break or other control
    /// character that the message quotes from the file is shown escaped.
    public var description: String {
        let oneLine = message.unicodeScalars.map { c in
            c.properties.generalCategory == .control ? c.escaped(asASCII: true) : String(c)
        }.joined()
        return "\(location): \(oneLine)"
    }
}
