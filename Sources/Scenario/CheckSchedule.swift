/// When HeapCheck walks the heaps (`check:` at the top or in a phase).
///
/// At the top level it is the run's schedule. In a phase it overrides that schedule for
/// the phase: `every-phase` and `end` both check when the phase ends, `never` skips the
/// check after it, `{every_ops: N}` also checks every N operations inside it.
public enum CheckSchedule: Sendable, Codable, Equatable {
    /// After every phase (the default). YAML: `every-phase`.
    case everyPhase
    /// Once, after the last phase. YAML: `end`.
    case end
    /// Never (the run still reports what the target itself detects). YAML: `never`.
    case never
    /// Every N operations of each worker, and after every phase. YAML: `{every_ops: N}`.
    case everyOps(Int)

    /// The scalar spellings, for suggestions.
    public static let names = ["every-phase", "end", "never"]
}
