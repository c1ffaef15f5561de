import Foundation

/// What the fuzzer makes of a child's ending. Exit statuses 0, 1 and 2 are the
/// project's (passed, an expectation failed, bad input); a signal, any other status, or
/// a hang is a failure. Running out of time is only a long run where the input is fed
/// to a command whose work grows with it.
enum Verdict: Equatable {
    case fine
    /// A valid input that asked for more work than the time limit allowed.
    case longRun
    case failure(String)

    init(_ outcome: ChildProcess.Outcome, of input: FuzzInput, limit: Double) {
        switch outcome.ending {
        case .exited(0), .exited(1):
            self = .fine
        case .exited(2):
            self = Self.refusal(outcome.stderr, of: input).map { .failure($0) } ?? .fine
        case .exited(let code):
            self = .failure("exit status \(code)")
        case .signalled(let s):
            self = .failure(ChildProcess.signalName(s))
        case .timedOut:
            self = input.longRunIsFine ? .longRun : .failure("hang (killed after \(Int(limit)) s)")
        case .notStarted(let e):
            self = .failure("not started: \(String(cString: strerror(e)))")
        }
    }

    /// What is wrong with an exit 2's message, if anything: it must say something, and
    /// `validate` says every problem as `file:line:column: message`.
    static func refusal(_ stderr: [UInt8], of input: FuzzInput) -> String? {
        let lines = String(decoding: stderr, as: UTF8.self).split(separator: "\n")
        if lines.isEmpty { return "exit status 2 with nothing on standard error" }
        guard input.kind == .validate else { return nil }
        for line in lines where line.range(of: #"^[^\n]+:[0-9]+:[0-9]+: \S"#, options: .regularExpression) == nil {
            return "validate: exit status 2 with a line not of the form file:line:column: message"
        }
        return nil
    }

    /// A short name for grouping failures that are likely one bug: the verdict and the
    /// crash message (Swift's `file:line: Fatal error: ...`), its numbers left out.
    static func signature(_ failure: String, kind: InputKind, stderr: [UInt8]) -> String {
        let text = String(decoding: stderr, as: UTF8.self)
        let crash = text.split(separator: "\n").first { line in
            ["Fatal error", "fatal error", "Precondition failed", "Assertion failed"].contains { line.contains($0) }
        }
        var said = crash.map(String.init) ?? ""
        if said.isEmpty, failure.hasPrefix("validate:") || failure.hasPrefix("exit status 2") {
            said = text.split(separator: "\n").first.map(String.init) ?? ""
            said = said.replacingOccurrences(of: #"^.*?:[0-9]+:[0-9]+: "#, with: "", options: .regularExpression)
        }
        // Sizes and line numbers in a message vary with the input, not with the bug.
        said = said.replacingOccurrences(of: #"[0-9]+"#, with: "N", options: .regularExpression)
        return "\(kind.rawValue): \(failure)\(said.isEmpty ? "" : " -- " + String(said.prefix(160)))"
    }
}
