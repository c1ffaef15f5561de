/// The allocator a scenario stresses.
public enum Target: String, Sendable, Codable, Equatable, CaseIterable {
    /// The project's ptmalloc2 model (the only target that takes `tunables`).
    case model
    /// This machine's glibc malloc.
    case glibc
    /// jemalloc, loaded as a peer.
    case jemalloc
    /// mimalloc, loaded as a peer.
    case mimalloc
    /// tcmalloc, loaded as a peer.
    case tcmalloc
    /// A fixed-size pool allocator, the baseline.
    case pool
}
