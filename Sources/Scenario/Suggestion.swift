/// Nearest-name suggestions for misspelt keys and values.
enum Suggestion {
    /// The candidate nearest to `word`: within edit distance 2, or one that `word` is a
    /// prefix of (or that is a prefix of `word`); nil when none is near. Ties go to the
    /// earlier candidate, so lists are written most likely first.
    static func nearest(_ word: String, among candidates: [String]) -> String? {
        let w = normalized(word)
        guard !w.isEmpty else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let c = normalized(candidate)
            var d = distance(w, c)
            if d > 2, w.count >= 2, c.hasPrefix(w) || w.hasPrefix(c) { d = 3 }
            if d <= 3, best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best?.candidate
    }

    /// `; did you mean 'x'?` for the nearest candidate, or the empty string.
    static func didYouMean(_ word: String, among candidates: [String]) -> String {
        nearest(word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    // Case and the choice between - and _ are the commonest slips; they cost nothing.
    private static func normalized(_ s: String) -> String {
        String(s.lowercased().map { $0 == "_" ? "-" : $0 })
    }
}
