import Foundation
import Randomness

/// Mutations of a command line, argument by argument: numbers (also inside comma lists)
/// to boundary values, arguments deleted, doubled, swapped, replaced by words option
/// parsers mind, arguments of other command lines spliced in, bytes flipped.
enum ArgumentMutator {
    static let words = [
        "", ",", ",,", "1,,2", ",1", "-", "--", "-1", "=", "--=", "all", "none", "--help", "-h", "--seed", "--threads",
        "--target", "--ops", "--reports", "--json", "--quiet", "--arenas", "--arena-max", "--kind", "--synthetic",
        "0x0", "1x0", "0x1", "99999x99999", "model,", "shared,shared", "1,2,3,4,5,6,7,8", "/dev/null", "/proc/nonexistent",
        "/proc/self/status", "é", "-o",
    ]

    /// One mutation of `arguments` (never the first, the subcommand); what it did, or
    /// nil if there was nothing to do. Paths are deleted, doubled, moved or replaced but
    /// never edited: the fuzzer runs as whoever starts it, root perhaps, and an edited
    /// path could name a folder outside the scratch folder for a report to be written in.
    /// The words put in write nowhere either (/proc refuses new files, even root's).
    static func apply(to arguments: inout [String], donors: [[String]], using rng: inout SplitMix64) -> String? {
        guard arguments.count > 1 else { return nil }
        let i = 1 + rng.below(arguments.count - 1)
        let kind = rng.pick([35, 15, 10, 10, 15, 10, 5])
        if arguments[i].hasPrefix("/"), kind == 0 || kind == 6 { return nil }
        switch kind {
        case 0:
            let bytes = Array(arguments[i].utf8)
            let numbers = Mutator.numbers(in: bytes)
            guard !numbers.isEmpty else { return nil }
            let range = numbers[rng.below(numbers.count)]
            let value = Mutator.boundaries[rng.below(Mutator.boundaries.count)]
            var changed = bytes
            changed.replaceSubrange(range, with: Array(value.utf8))
            return set(&arguments, i, String(decoding: changed, as: UTF8.self))
        case 1:
            let removed = arguments.remove(at: i)
            return "deleted argument \(i) '\(removed)'"
        case 2:
            arguments.insert(arguments[i], at: i)
            return "doubled argument \(i) '\(arguments[i])'"
        case 3:
            guard i + 1 < arguments.count else { return nil }
            arguments.swapAt(i, i + 1)
            return "swapped arguments \(i) and \(i + 1)"
        case 4:
            return set(&arguments, i, words[rng.below(words.count)])
        case 5:
            let donor = donors[rng.below(donors.count)].dropFirst().filter { !$0.contains("{") }
            guard !donor.isEmpty else { return nil }
            let from = rng.below(donor.count), count = 1 + rng.below(min(3, donor.count - from))
            let taken = Array(donor.dropFirst(from).prefix(count))
            arguments.insert(contentsOf: taken, at: i)
            return "spliced '\(taken.joined(separator: " "))' at argument \(i)"
        default:
            var bytes = Array(arguments[i].utf8)
            guard !bytes.isEmpty else { return nil }
            let at = rng.below(bytes.count)
            var flipped = bytes[at] ^ UInt8(1 << rng.below(8))
            if flipped == 0 { flipped = 0x20 }
            bytes[at] = flipped
            return set(&arguments, i, String(decoding: bytes, as: UTF8.self))
        }
    }

    private static func set(_ arguments: inout [String], _ i: Int, _ value: String) -> String {
        let old = arguments[i]
        arguments[i] = value
        return "argument \(i) '\(old)' -> '\(value)'"
    }
}
