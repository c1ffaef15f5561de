import Foundation

/// The failures of a fuzzing session: each input saved to its own folder with the
/// command that ran it and what it printed; the first of each signature printed in full,
/// later ones in one line.
struct FailureLog {
    /// Where failing inputs are saved: `FOLDER/seed-S/input-N/`.
    let folder: String
    let seed: UInt64
    /// How to rerun one input of this session: the fuzzer's own arguments but --input.
    let reproduce: (Int) -> String
    private(set) var count = 0
    private(set) var bySignature: [(signature: String, inputs: [Int])] = []

    init(folder: String, seed: UInt64, reproduce: @escaping (Int) -> String) {
        self.folder = folder
        self.seed = seed
        self.reproduce = reproduce
    }

    /// Saves input `index` (failed with `failure`) and prints it.
    mutating func record(_ index: Int, _ input: FuzzInput, _ failure: String, _ outcome: ChildProcess.Outcome, scratch: String) {
        count += 1
        let signature = Verdict.signature(failure, kind: input.kind, stderr: outcome.stderr)
        let saved = save(index, input, outcome, scratch: scratch)
        let command = (["arenastress"] + input.arguments.map { $0.replacingOccurrences(of: scratch, with: saved) }).joined(separator: " ")
        if let i = bySignature.firstIndex(where: { $0.signature == signature }) {
            bySignature[i].inputs.append(index)
            say("fuzz: failure: input \(index) (\(input.kind.rawValue)): \(failure), as input \(bySignature[i].inputs[0]); saved in \(saved)")
            return
        }
        bySignature.append((signature, [index]))
        var lines = ["fuzz: FAILURE: input \(index) (\(input.kind.rawValue), seed \(seed)): \(failure)"]
        lines.append("  from:      \(input.origin)")
        for m in input.mutations { lines.append("  mutation:  \(m)") }
        lines.append("  command:   \(command)")
        let said = String(decoding: outcome.stderr, as: UTF8.self).split(separator: "\n").prefix { !$0.hasPrefix("Current stack trace") }
        for line in said.prefix(6) { lines.append("  stderr:    \(line.prefix(300))") }
        for (file, original) in zip(input.files, input.originals) where original != nil {
            let text = String(decoding: file.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if file.bytes.count <= 4000 {
                lines.append("  input \(saved)/\(file.name)\(file.bytes.count > 4000 ? " (its first 4000 bytes)" : ""):")
                for line in String(decoding: file.bytes.prefix(4000), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                    lines.append("  | \(line)")
                }
            } else {
                lines.append("  input \(saved)/\(file.name), where it differs from \(input.origin) (|> a changed line, |- lines removed before it):")
                lines += Self.changedLines(text, String(decoding: original!, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false))
            }
        }
        lines.append("  reproduce: \(reproduce(index))   (or, in \(saved): \(command))")
        say(lines.joined(separator: "\n"))
    }

    /// The lines of `text` that are not in `original` (by a longest common subsequence
    /// of lines), each with its line number and one line around, hunks apart; at most 60.
    static func changedLines(_ text: [Substring], _ original: [Substring]) -> [String] {
        let n = text.count, m = original.count
        guard n > 0, n * m <= 4_000_000 else { return ["  (\(n) lines; too many to compare)"] }
        // common[i][j]: the longest common subsequence of text[i...] and original[j...].
        var common = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                common[i][j] = text[i] == original[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var changed = Set<Int>(), removedBefore = Set<Int>()
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, text[i] == original[j] {
                i += 1; j += 1
            } else if j < m, i == n || common[i][j + 1] >= common[i + 1][j] {
                removedBefore.insert(i); j += 1
            } else {
                changed.insert(i); i += 1
            }
        }
        let marked = changed.union(removedBefore.map { min($0, n - 1) })
        let shown = Set(marked.flatMap { [$0 - 1, $0, $0 + 1] }.filter { (0..<n).contains($0) }).sorted()
        var lines: [String] = []
        for (k, line) in shown.enumerated() {
            if k > 0, line != shown[k - 1] + 1 { lines.append("  ...") }
            let mark = changed.contains(line) ? "|>" : removedBefore.contains(line) ? "|-" : "| "
            lines.append("  \(String(line + 1).padding(toLength: 5, withPad: " ", startingAt: 0))\(mark) \(text[line])")
        }
        return lines.count > 60 ? Array(lines.prefix(60)) + ["  ..."] : lines
    }

    /// Copies the input's files and what the child said to `FOLDER/seed-S/input-N/`.
    private func save(_ index: Int, _ input: FuzzInput, _ outcome: ChildProcess.Outcome, scratch: String) -> String {
        let path = "\(folder)/seed-\(seed)/input-\(index)"
        let manager = FileManager.default
        try? manager.removeItem(atPath: path)
        try? manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        for file in input.files {
            try? manager.createDirectory(atPath: (path + "/" + file.name as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = manager.createFile(atPath: path + "/" + file.name, contents: Data(file.bytes))
        }
        let command = input.arguments.map { $0.replacingOccurrences(of: scratch, with: path) }
        let about = ["seed \(seed), input \(index), kind \(input.kind.rawValue)", "from: \(input.origin)"]
            + input.mutations.map { "mutation: " + $0 } + ["command: arenastress " + command.joined(separator: " ")]
        _ = manager.createFile(atPath: path + "/input.txt", contents: Data((about.joined(separator: "\n") + "\n").utf8))
        _ = manager.createFile(atPath: path + "/stderr.txt", contents: Data(outcome.stderr.prefix(1 << 16)))
        _ = manager.createFile(atPath: path + "/stdout.txt", contents: Data(outcome.stdout.prefix(1 << 16)))
        return path
    }
}
