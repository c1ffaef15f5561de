import Foundation
import Randomness

/// The fuzzer's mutations of a text (a scenario, a trace, a report, read as bytes): each
/// changes a little and says what it did, so that a failure's log tells the story.
struct Mutator {
    /// Other files of the same kind, for splicing.
    let donors: [[UInt8]]
    /// Numbers under a work key (ops, count, live, ...) only shrink or turn invalid:
    /// for inputs that are run, where a valid 2^63 ops would just run for ever.
    let gentle: Bool
    /// Where numbers and lines are picked from half of the time (a report's scenario,
    /// which replay runs, among its many measured figures); nil for anywhere.
    var focus: Range<Int>? = nil
    /// Half of the time, numbers are picked among those under a work key (for the bold
    /// runs, which look for work validation should have refused).
    var workFocus = false

    /// What a mutation can do.
    enum Kind: CaseIterable {
        case byteFlip, number, nudge, deleteEntry, duplicateEntry, truncate, splice, token
    }

    /// How often each kind of mutation is chosen, in `Kind`'s order. Inputs that are run
    /// lean on nudges, which keep a file valid more often and so reach the runner.
    static let rough = [15, 25, 10, 12, 12, 5, 8, 8]
    static let mild = [5, 10, 45, 10, 10, 3, 10, 4]
    static let bold = [3, 45, 30, 6, 6, 2, 5, 3]
    /// For traces, where the numbers (sizes, counts, alignments, slots) are what matters.
    static let numeric = [5, 30, 30, 8, 8, 3, 10, 6]

    /// Boundary values for any number: the edges of Int32, Int64, UInt64 and beyond,
    /// Double's extremes and non-numbers (in YAML's spellings and others), huge units.
    /// Just under 2^63 and 2^64 too: where adding a header or rounding up overflows.
    static let boundaries = [
        "0", "-1", "1", "-0", "0.5", "2147483647", "2147483648", "4294967295", "4294967296", "140737488355328",
        "281474976710656", "4611686018427387904", "9223372036854771712", "9223372036854775000", "9223372036854775791",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551000", "18446744073709551615",
        "18446744073709551616", "340282366920938463463374607431768211456", "1e308", "-1e308", "1e-308", "1.7976931348623157e309",
        ".nan", "NaN", "nan", ".inf", "-.inf", "inf", "0x7fffffffffffffff", "1t", "16384t", "8e", "99999999999g",
    ]

    /// For numbers under a work key of an input that is run: values that make no more
    /// work than the corpus's own, or that validation must refuse.
    static let shrinking = [
        "0", "-1", "1", "2", "-0", "0.5", "1e-308", "18446744073709551616", "99999999999999999999999999999",
        ".nan", "NaN", "-9223372036854775808", "-.inf",
    ]

    /// Keys whose number is an amount of work: ops, slots, threads, rounds (YAML and the
    /// report's JSON spellings; `_0` is how a report spells `ops: N`, and `fixed: N`).
    static let workKeys: Set<String> = ["ops", "count", "counts", "live", "rounds", "batch", "duration", "every_ops", "everyOps", "_0", "arenaMaxSweep"]

    /// Bytes and snippets that mean something to YAML, JSON or the trace format.
    static let tokens: [String] = [
        ":", ": ", "- ", "{", "}", "[", "]", ",", "\"", "'", "\n", "\t", "#", "&a ", "*a", "<<: *a", "!!binary ", "!!int ", "? ",
        "---\n", "...\n", "%YAML 1.1\n", "|\n", ">-\n", "~", "null", "true", "\\u0000", "\u{00}", "\u{FEFF}", "é", "\u{10FFFF}",
        " 0", " -1", " 18446744073709551616", "{}", "[]", "[[]]", "{a: {b: {c: {d: [1, [2, [3]]]}}}}",
    ]

    /// `input` after 1 to `maxRounds` mutations, with one line per mutation saying what
    /// it did.
    func mutate(_ input: [UInt8], rounds maxRounds: Int, weights: [Int], using rng: inout SplitMix64) -> (bytes: [UInt8], log: [String]) {
        var bytes = input
        var log: [String] = []
        for _ in 0..<(1 + rng.below(maxRounds)) {
            let kind = Kind.allCases[rng.pick(weights)]
            if let said = apply(kind, to: &bytes, using: &rng) { log.append(said) }
        }
        return (bytes, log)
    }

    func apply(_ kind: Kind, to bytes: inout [UInt8], using rng: inout SplitMix64) -> String? {
        switch kind {
        case .byteFlip: return flip(&bytes, using: &rng)
        case .number: return substituteNumber(&bytes, using: &rng)
        case .nudge: return nudge(&bytes, using: &rng)
        case .deleteEntry: return deleteEntry(&bytes, using: &rng)
        case .duplicateEntry: return duplicateEntry(&bytes, using: &rng)
        case .truncate:
            guard !bytes.isEmpty else { return nil }
            let at = rng.below(bytes.count)
            bytes.removeSubrange(at...)
            return "truncated at byte \(at)"
        case .splice: return splice(&bytes, using: &rng)
        case .token:
            let token = Self.tokens[rng.below(Self.tokens.count)]
            let at = rng.below(bytes.count + 1)
            bytes.insert(contentsOf: Array(token.utf8), at: at)
            return "inserted \(quoted(Array(token.utf8))) at byte \(at)"
        }
    }

    /// One to four bytes: a bit flipped, or set to a byte YAML, JSON or UTF-8 minds.
    private func flip(_ bytes: inout [UInt8], using rng: inout SplitMix64) -> String? {
        guard !bytes.isEmpty else { return nil }
        let special: [UInt8] = [0x00, 0xFF, 0x0A, 0x3A, 0x7B, 0x5B, 0x2D, 0x22, 0x27, 0x26, 0x2A, 0x21, 0x23, 0x7C, 0x3E, 0x25, 0x09, 0x80, 0xC3, 0x30, 0x39]
        var said: [String] = []
        for _ in 0..<(1 + rng.below(4)) {
            let at = rng.below(bytes.count)
            let old = bytes[at]
            bytes[at] = rng.below(2) == 0 ? old ^ UInt8(1 << rng.below(8)) : special[rng.below(special.count)]
            said.append("byte \(at) \(hex(old))->\(hex(bytes[at]))")
        }
        return "flipped " + said.joined(separator: ", ")
    }

    /// A number of the text replaced by a boundary value.
    private func substituteNumber(_ bytes: inout [UInt8], using rng: inout SplitMix64) -> String? {
        let numbers = focused(Self.numbers(in: bytes), in: bytes, using: &rng)
        guard !numbers.isEmpty else { return nil }
        let range = numbers[rng.below(numbers.count)]
        let key = Self.key(before: range.lowerBound, in: bytes)
        let values = gentle && Self.workKeys.contains(key ?? "") ? Self.shrinking : Self.boundaries
        let value = values[rng.below(values.count)]
        let old = quoted(Array(bytes[range]))
        bytes.replaceSubrange(range, with: Array(value.utf8))
        return "number \(old) (key \(key ?? "-")) -> \(value)"
    }

    /// A number of the text moved to a neighbour: 0, 1, one more or less, half, double,
    /// or the edge of its power of two (a bin or tcache boundary, say). Under a work key
    /// of an input that is run it never grows.
    private func nudge(_ bytes: inout [UInt8], using rng: inout SplitMix64) -> String? {
        let numbers = focused(Self.numbers(in: bytes), in: bytes, using: &rng).filter { !bytes[$0].contains(0x2E) && !bytes[$0].contains(0x65) && $0.count <= 18 }
        guard !numbers.isEmpty else { return nil }
        let range = numbers[rng.below(numbers.count)]
        guard let n = Int(String(decoding: bytes[range], as: UTF8.self)) else { return nil }
        let key = Self.key(before: range.lowerBound, in: bytes)
        let power = n > 0 ? 1 << (Int.bitWidth - n.leadingZeroBitCount) : 1
        var values = [0, 1, -1, n - 1, n / 2, power - 1]
        if !(gentle && Self.workKeys.contains(key ?? "")) { values += [n + 1, n * 2, power, power + 1, -n] }
        let value = values[rng.below(values.count)]
        bytes.replaceSubrange(range, with: Array(String(value).utf8))
        return "nudged \(n) (key \(key ?? "-")) -> \(value)"
    }

    /// An entry removed: a whole line, or in a line of flow style (`{a: 1, b: 2}`) or of
    /// a trace (`0 malloc 24 0`) one `key: value` or one field.
    private func deleteEntry(_ bytes: inout [UInt8], using rng: inout SplitMix64) -> String? {
        var lines = Self.lines(bytes)
        guard !lines.isEmpty else { return nil }
        let i = rng.below(lines.count)
        let fields = Self.entries(in: lines[i])
        if rng.below(2) == 0 || fields.count < 2 {
            let removed = lines.remove(at: i)
            bytes = Self.join(lines)
            return "deleted line \(i + 1) \(quoted(removed))"
        }
        let field = fields[rng.below(fields.count)]
        let removed = Array(lines[i][field])
        lines[i].removeSubrange(field)
        bytes = Self.join(lines)
        return "deleted \(quoted(removed)) from line \(i + 1)"
    }

    /// An entry written twice: a whole line, or one `key: value` or field of a line.
    private func duplicateEntry(_ bytes: inout [UInt8], using rng: inout SplitMix64) -> String? {
        var lines = Self.lines(bytes)
        guard !lines.isEmpty else { return nil }
        let i = rng.below(lines.count)
        let fields = Self.entries(in: lines[i])
        if rng.below(2) == 0 || fields.isEmpty {
            lines.insert(lines[i], at: i + 1)
            bytes = Self.join(lines)
            return "duplicated line \(i + 1) \(quoted(lines[i]))"
        }
        let field = fields[rng.below(fields.count)]
        let copy = Array(lines[i][field])
        let separator: [UInt8] = copy.contains(0x3A) ? Array(", ".utf8) : [0x20]
        lines[i].insert(contentsOf: copy + separator, at: field.lowerBound)
        bytes = Self.join(lines)
        return "duplicated \(quoted(copy)) in line \(i + 1)"
    }

    /// One to five lines of another file of the kind put in, over or between lines.
    private func splice(_ bytes: inout [UInt8], using rng: inout SplitMix64) -> String? {
        guard !donors.isEmpty else { return nil }
        let donor = Self.lines(donors[rng.below(donors.count)])
        guard !donor.isEmpty else { return nil }
        let from = rng.below(donor.count), count = 1 + rng.below(min(5, donor.count - from))
        var lines = Self.lines(bytes)
        let at = rng.below(lines.count + 1)
        let replacing = rng.below(2) == 0 ? min(count, lines.count - at) : 0
        lines.replaceSubrange(at..<at + replacing, with: donor[from..<from + count])
        bytes = Self.join(lines)
        return "spliced \(count) lines of another file at line \(at + 1)\(replacing > 0 ? " over \(replacing)" : "")"
    }

    /// `ranges`, or half of the time those inside `focus` if there are any.
    /// With `workFocus`, half of the time those under a work key if there are any.
    private func focused(_ ranges: [Range<Int>], in bytes: [UInt8], using rng: inout SplitMix64) -> [Range<Int>] {
        var ranges = ranges
        if workFocus, rng.below(2) == 0 {
            let work = ranges.filter { Self.workKeys.contains(Self.key(before: $0.lowerBound, in: bytes) ?? "") }
            if !work.isEmpty { ranges = work }
        }
        guard let focus, rng.below(2) == 0 else { return ranges }
        let inside = ranges.filter { focus.contains($0.lowerBound) }
        return inside.isEmpty ? ranges : inside
    }

    // MARK: Reading the text

    /// The numbers of the text: an optional minus, digits, a fraction, an exponent.
    static func numbers(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var i = 0
        func isDigit(_ j: Int) -> Bool { j < bytes.count && bytes[j] >= 0x30 && bytes[j] <= 0x39 }
        while i < bytes.count {
            guard isDigit(i) else { i += 1; continue }
            // Digits inside a word (a name like `t1`, a hex hash) are not numbers.
            if i > 0, isWordByte(bytes[i - 1]) && bytes[i - 1] != 0x2D {
                while i < bytes.count && isWordByte(bytes[i]) { i += 1 }
                continue
            }
            var start = i
            if start > 0 && bytes[start - 1] == 0x2D { start -= 1 }
            while isDigit(i) { i += 1 }
            if i < bytes.count && bytes[i] == 0x2E && isDigit(i + 1) {
                i += 1
                while isDigit(i) { i += 1 }
            }
            if i < bytes.count && (bytes[i] == 0x65 || bytes[i] == 0x45) {
                var j = i + 1
                if j < bytes.count && (bytes[j] == 0x2B || bytes[j] == 0x2D) { j += 1 }
                if isDigit(j) {
                    i = j
                    while isDigit(i) { i += 1 }
                }
            }
            found.append(start..<i)
        }
        return found
    }

    /// The key a number at `offset` belongs to: the word before the nearest colon before
    /// it (`ops` in `{ops: 20}`, `"live" : 5`, `uniform` in `uniform: [8, 1000]`).
    static func key(before offset: Int, in bytes: [UInt8]) -> String? {
        var i = offset - 1
        let stop = max(0, offset - 200)
        while i >= stop && bytes[i] != 0x3A { i -= 1 }
        guard i >= stop else { return nil }
        i -= 1
        while i >= 0 && (bytes[i] == 0x20 || bytes[i] == 0x22) { i -= 1 }
        var start = i
        while start >= 0 && isWordByte(bytes[start]) { start -= 1 }
        guard start < i else { return nil }
        return String(decoding: bytes[(start + 1)...i], as: UTF8.self)
    }

    /// The entries of a line: `key: value` pairs in flow style, else blank-separated fields.
    static func entries(in line: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        if line.contains(0x7B) {
            // From after `{` or `, ` up to the next `,` or `}` at the same depth.
            var i = 0
            while i < line.count {
                guard line[i] == 0x7B || line[i] == 0x2C else { i += 1; continue }
                var start = i + 1
                while start < line.count && line[start] == 0x20 { start += 1 }
                var end = start, depth = 0
                while end < line.count {
                    let b = line[end]
                    if b == 0x7B || b == 0x5B { depth += 1 }
                    if b == 0x7D || b == 0x5D { if depth == 0 { break }; depth -= 1 }
                    if b == 0x2C && depth == 0 { break }
                    end += 1
                }
                if end > start, line[start..<end].contains(0x3A) { found.append(start..<end) }
                i = start
            }
            return found
        }
        var i = 0
        while i < line.count {
            while i < line.count && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
            let start = i
            while i < line.count && line[i] != 0x20 && line[i] != 0x09 { i += 1 }
            if i > start { found.append(start..<i) }
        }
        return found
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.isEmpty ? [] : bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    static func join(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [0x0A])) }

    private func hex(_ b: UInt8) -> String { "0x" + String(b, radix: 16, uppercase: false) }

    private func quoted(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: "\\n")
        return "'" + text + (bytes.count > 60 ? "..." : "") + "'"
    }
}
