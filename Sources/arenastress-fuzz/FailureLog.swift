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
            print("fuzz: failure: input \(index) (\(input.kind.rawValue)): \(failure), as input \(bySignature[i].inputs[0]); saved in \(saved)")
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
                lines.append("  input \(saved)/\(file.name), where it differs from \(input.origin) (line numbers of the input):")
                lines += Self.changedLines(text, String(decoding: original!, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false))
            }
        }
        lines.append("  reproduce: \(reproduce(index))   (or, in \(saved): \(command))")
        print(lines.joined(separator: "\n"))
    }

    /// The lines of `text` between the first and the last line where it differs from
    /// `original`, with two lines around; at most 60.
    static func changedLines(_ text: [Substring], _ original: [Substring]) -> [String] {
        var first = 0
        while first < text.count && first < original.count && text[first] == original[first] { first += 1 }
        var last = text.count - 1, lastOriginal = original.count - 1
        while last >= first && lastOriginal >= first && text[last] == original[lastOriginal] { last -= 1; lastOriginal -= 1 }
        let from = max(0, first - 2), to = min(text.count - 1, max(last, first) + 2)
        guard from <= to else { return ["  (only removed lines, after line \(first))"] }
        let shown = text[from...to].enumerated().map { "  \(String(from + $0.offset + 1).padding(toLength: 5, withPad: " ", startingAt: 0))| \($0.element)" }
        return shown.count > 60 ? Array(shown.prefix(60)) + ["  ..."] : shown
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
