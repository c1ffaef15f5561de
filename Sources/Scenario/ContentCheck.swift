/// How much of each live block the pattern checks cover (`check_content:` at the top).
///
/// Every worker writes a pattern into each block it allocates and verifies it at every
/// heap check (after each phase or step the schedule checks) and before it frees the block.
public enum ContentCheck: String, Sendable, Codable, Equatable, CaseIterable {
    /// Every byte of every block: written at allocation, verified at every heap check
    /// and before every free. YAML: `full`. The default.
    case full
    /// The first and last 8 bytes of each block only: a write into the middle of a
    /// block goes unseen. YAML: `head-tail`.
    case headTail = "head-tail"
}
