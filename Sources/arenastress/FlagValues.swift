import ArgumentParser
import Foundation

/// The numbers and lists that command-line flags take, read or refused with one clear
/// message (exit 2): never an empty list that runs nothing, a number past what the
/// option can use, or a value that would reach trapping arithmetic.
enum FlagValues {
    /// The items of a comma-separated list, each trimmed; refused when the list or an
    /// item is empty.
    static func list(_ text: String, flag: String, example: String) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.allSatisfy(\.isEmpty) else {
            throw ValidationError("--\(flag): expected a comma-separated list such as \(example), found '\(text)'")
        }
        if items.contains("") {
            throw ValidationError("--\(flag): an empty item in '\(text)'; expected a comma-separated list such as \(example)")
        }
        return items
    }

    /// A comma-separated list of whole numbers, each in `range`.
    static func ints(_ text: String, flag: String, in range: ClosedRange<Int>, example: String) throws -> [Int] {
        try list(text, flag: flag, example: example).map { item in
            guard let n = Int(item) else {
                throw ValidationError("--\(flag): '\(item)' is not a whole number; expected numbers in \(range.lowerBound)...\(range.upperBound)")
            }
            try check(n, flag: flag, in: range)
            return n
        }
    }

    /// Refuses `value` outside `range` (nil passes).
    static func check(_ value: Int?, flag: String, in range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("--\(flag): must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
    }
}
