/// How a scenario writes numbers with units: sizes (`64`, `4k`, `1m`, `128KiB`, `0x400`)
/// and durations (`500ms`, `5s`, `2m`).
///
/// Size units are binary whatever their spelling, because allocator sizes are:
/// `k`, `K`, `kb`, `KB`, `KiB` are 1024; `m`/`MB`/`MiB` 1024²; `g`/`GB`/`GiB` 1024³;
/// `t`/`TB`/`TiB` 1024⁴; `b`/`B` or no unit is bytes. A decimal mantissa is accepted when
/// the product is a whole number of bytes (`1.5k` is 1536, `1.3k` is refused).
/// Underscores may group digits (`100_000`) and `0x` gives hexadecimal (`0x400`, no unit).
///
/// Durations need a unit: `ns`, `us` (or `µs`), `ms`, `s`, `m` (or `min`), `h`; a decimal
/// mantissa is rounded to whole nanoseconds (`1.5s`).
public enum Units {
    /// The largest size anything may ask for: the 47-bit user address space of x86_64.
    public static let maxSize = 1 << 47

    /// The longest duration a phase may last: one day, in nanoseconds.
    public static let maxDuration = 86_400 * 1_000_000_000

    /// The bytes `text` stands for, or a message saying what is wrong with it.
    public static func parseSize(_ text: String) -> Result<Int, UnitError> {
        guard let (mantissa, unit) = split(text) else {
            return .failure(UnitError("expected a size such as 64, 4k, 1m or 128KiB, found '\(text)'"))
        }
        let multiplier: Int
        switch unit.lowercased() {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1 << 10
        case "m", "mb", "mib": multiplier = 1 << 20
        case "g", "gb", "gib": multiplier = 1 << 30
        case "t", "tb", "tib": multiplier = 1 << 40
        default:
            return .failure(UnitError("unknown size unit '\(unit)' in '\(text)'; use k, m, g (1024-based) or KiB, MiB, GiB"))
        }
        let bytes = mantissa * Double(multiplier)
        guard bytes.rounded() == bytes else {
            return .failure(UnitError("'\(text)' is not a whole number of bytes"))
        }
        guard bytes <= Double(maxSize) else {
            return .failure(UnitError("size '\(text)' is beyond the address space (at most 128TiB)"))
        }
        return .success(Int(bytes))
    }

    /// The nanoseconds `text` stands for, or a message saying what is wrong with it.
    public static func parseDuration(_ text: String) -> Result<Int, UnitError> {
        guard let (mantissa, unit) = split(text), !unit.isEmpty else {
            return .failure(UnitError("expected a duration such as 500ms, 5s or 2m, found '\(text)'"))
        }
        let nanoseconds: Double
        switch unit {
        case "ns": nanoseconds = 1
        case "us", "µs": nanoseconds = 1e3
        case "ms": nanoseconds = 1e6
        case "s": nanoseconds = 1e9
        case "m", "min": nanoseconds = 60e9
        case "h": nanoseconds = 3600e9
        default:
            return .failure(UnitError("unknown duration unit '\(unit)' in '\(text)'; use ns, us, ms, s, m or h"))
        }
        let total = (mantissa * nanoseconds).rounded()
        guard total <= Double(maxDuration) else {
            return .failure(UnitError("duration '\(text)' is too long (at most 24h)"))
        }
        return .success(Int(total))
    }

    /// A whole number as YAML writes one: an optional sign, digits grouped by `_`, or
    /// `0x` and hexadecimal digits. Nil for anything else or a value beyond `Int`.
    public static func parseInteger(_ text: String) -> Int? {
        var s = Substring(text.trimmingSpaces)
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        let radix: Int
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            radix = 16
            s = s.dropFirst(2)
        } else {
            radix = 10
        }
        let digits = s.filter { $0 != "_" }
        guard !digits.isEmpty, s.first != "_", let magnitude = Int(digits, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// A number as YAML writes one: an integer (as above) or a decimal such as `0.25`,
    /// `1e-3`, `.5`. Nil for anything else.
    public static func parseNumber(_ text: String) -> Double? {
        if let i = parseInteger(text) { return Double(i) }
        let t = text.trimmingSpaces.filter { $0 != "_" }
        guard let first = t.first, first.isNumber || first == "." || first == "-" || first == "+" else { return nil }
        guard let d = Double(t), d.isFinite else { return nil }
        return d
    }

    /// `text` cut into a non-negative mantissa and the letters after it, or nil when it
    /// does not start with a number.
    private static func split(_ text: String) -> (Double, String)? {
        let t = text.trimmingSpaces
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            return parseInteger(t).flatMap { $0 >= 0 ? (Double($0), "") : nil }
        }
        let numberEnd = t.firstIndex { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "_")) } ?? t.endIndex
        let number = t[..<numberEnd].filter { $0 != "_" }
        let unit = t[numberEnd...].trimmingSpaces
        guard let first = number.first, first.isNumber, let value = Double(number), value.isFinite,
              unit.allSatisfy({ $0.isLetter })
        else { return nil }
        return (value, unit)
    }
}

/// What is wrong with a number or a unit, as a message without its key path.
public struct UnitError: Error, Sendable, Equatable {
    /// A short message, e.g. `unknown size unit 'q' in '4q'`.
    public var message: String
    init(_ message: String) { self.message = message }
}

extension StringProtocol {
    var trimmingSpaces: String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }
        var end = scalars.endIndex
        while end > scalars.startIndex {
            let previous = scalars.index(before: end)
            guard scalars[previous] == " " || scalars[previous] == "\t" else { break }
            end = previous
        }
        return String(String.UnicodeScalarView(scalars[scalars.startIndex..<end]))
    }
}
