import ArenaModel

/// glibc's malloc tunables as a trace records them (`# tunables: arena_max=2 ...`) and
/// as glibc reads them (`GLIBC_TUNABLES=glibc.malloc.arena_max=2:...`).
///
/// Only values that glibc 2.36 accepts and the model applies alike are valid: glibc
/// ignores a tunable outside its range, and an explicit `top_pad` fixes the mmap
/// threshold in glibc even at its default, so a default `top_pad` is not written.
extension Tunables {
    /// What a `# tunables:` comment starts with.
    public static let traceCommentPrefix = "tunables:"

    /// The names a trace may set, with the values each takes.
    static let traceRanges: [(name: String, range: ClosedRange<Int>)] = [
        ("arena_max", 1...Int.max), ("arena_test", 1...Int.max), ("tcache_count", 0...Int(UInt16.max)),
        ("tcache_max", 0...Layout.maxTcacheSize), ("mmap_threshold", 0...Layout.heapMaxSize / 2),
        ("trim_threshold", 0...Int.max), ("top_pad", 0...Int.max), ("mxfast", 0...Layout.maxFastSize),
        ("perturb", 0...255),
    ]

    /// Sets the tunable `name` to `value`; false if the name is not one a trace sets.
    mutating func set(_ name: String, _ value: Int) -> Bool {
        switch name {
        case "arena_max": arenaMax = value
        case "arena_test": arenaTest = value
        case "tcache_count": tcacheCount = value
        case "tcache_max": tcacheMax = value
        case "mmap_threshold": mmapThreshold = value
        case "trim_threshold": trimThreshold = value
        case "top_pad": topPad = value
        case "mxfast": mxfast = value
        case "perturb": perturb = value
        default: return false
        }
        return true
    }

    /// The settings that differ from glibc's defaults, as `name=value` in a fixed order.
    public var traceSettings: [(name: String, value: Int)] {
        let d = Tunables()
        var s: [(String, Int)] = []
        if arenaMax != d.arenaMax { s.append(("arena_max", arenaMax)) }
        if arenaTest != d.arenaTest { s.append(("arena_test", arenaTest)) }
        if tcacheCount != d.tcacheCount { s.append(("tcache_count", tcacheCount)) }
        if tcacheMax != d.tcacheMax { s.append(("tcache_max", tcacheMax)) }
        if let m = mmapThreshold { s.append(("mmap_threshold", m)) }
        if let t = trimThreshold { s.append(("trim_threshold", t)) }
        if topPad != d.topPad { s.append(("top_pad", topPad)) }
        if mxfast != d.mxfast { s.append(("mxfast", mxfast)) }
        if perturb != d.perturb { s.append(("perturb", perturb)) }
        return s
    }

    /// The comment a trace records these tunables in (`tunables: default` when none is set).
    public var traceComment: String {
        let s = traceSettings
        return Tunables.traceCommentPrefix + " " + (s.isEmpty ? "default" : s.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
    }

    /// The value of `GLIBC_TUNABLES` that gives glibc these tunables; nil if all are defaults.
    public var glibcTunables: String? {
        let s = traceSettings
        return s.isEmpty ? nil : s.map { "glibc.malloc.\($0.name)=\($0.value)" }.joined(separator: ":")
    }

    /// Applies the settings of `comment` if it is a `tunables:` comment. Returns the
    /// offset in `comment` and the message of the first thing wrong, or nil.
    @discardableResult
    public mutating func apply(traceComment comment: String) -> (offset: Int, message: String)? {
        let bytes = Array(comment.utf8)
        let prefix = Array(Tunables.traceCommentPrefix.utf8)
        guard bytes.starts(with: prefix) else { return nil }
        var i = prefix.count
        while i < bytes.count {
            while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            let start = i
            while i < bytes.count && bytes[i] != 0x20 && bytes[i] != 0x09 { i += 1 }
            if start == i { break }
            let word = bytes[start..<i]
            if word.elementsEqual("default".utf8) { continue }
            guard let equals = word.firstIndex(of: 0x3d) else { return (start, "expected NAME=VALUE") }
            let name = String(decoding: word[start..<equals], as: UTF8.self)
            guard let range = Tunables.traceRanges.first(where: { $0.name == name })?.range else {
                return (start, "unknown tunable")
            }
            var value = 0
            let digits = word[(equals + 1)...]
            if digits.isEmpty { return (equals + 1, "expected a decimal number") }
            for d in digits {
                guard (0x30...0x39).contains(d) else { return (equals + 1, "expected a decimal number") }
                guard value <= (Int.max - Int(d - 0x30)) / 10 else { return (equals + 1, "number too large") }
                value = value * 10 + Int(d - 0x30)
            }
            guard range.contains(value) else { return (equals + 1, "\(name) out of range (\(range.lowerBound) to \(range.upperBound))") }
            _ = set(name, value)
        }
        return nil
    }
}
