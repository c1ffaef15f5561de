/// The fidelity check could not run: the replayer is missing, failed, or said
/// something it should not have.
public struct FidelityError: Error, CustomStringConvertible {
    /// What went wrong, for a person.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
