/// A failure of a bench run that is not the user's input, with a message to act on.
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
