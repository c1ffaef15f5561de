/// The traces the fidelity check runs: the seed scenarios' single-threaded phases,
/// glibc's bench-malloc-simple patterns, the mmap threshold and malloc_trim at work,
/// and seeded random mixes, on one thread or many.
public enum TraceKind: String, CaseIterable, Sendable {
    /// Random mixes of every op over the tcache, fast, small, large and mmapped ranges,
    /// freeing in random order, with a few requests at the size limits (`count`: ops).
    case random
    /// bench-malloc-simple: n mallocs then n frees in order, n in 25, 100, 400, 1600,
    /// sizes 16, 64 and 1000 (`count`: rounds of each).
    case simple
    /// 100,000 x malloc(1000), 90% freed in random order, then malloc_trim(0)
    /// (`count`: blocks).
    case swissCheese = "swiss-cheese"
    /// malloc(100) and free, over and over (`count`: pairs).
    case million
    /// A pool of 1000 blocks of 1000 bytes: a random one freed and allocated again
    /// (`count`: reuses).
    case pool
    /// The dynamic mmap threshold rising, mremap, memalign and calloc above it,
    /// malloc_trim with several pads, and requests at the limits of size_t arithmetic
    /// (`count` is not used).
    case threshold
    /// Random mixes on 2 to 16 threads with exits, frees across arenas, non-main heaps
    /// grown, shrunk and deleted, under varied tunables (`count`: ops).
    case threads

    /// `count` when none is given: the sizes of the seed scenarios.
    public var defaultCount: Int {
        switch self {
        case .random: return 10_000
        case .simple: return 4
        case .swissCheese: return 100_000
        case .million: return 1_000_000
        case .pool: return 100_000
        case .threshold: return 0
        case .threads: return 10_000
        }
    }
}
