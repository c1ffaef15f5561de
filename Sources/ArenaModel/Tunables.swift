/// glibc's malloc tunables (`glibc.malloc.*`), with glibc 2.36's defaults on x86_64.
public struct Tunables: Sendable, Equatable, Codable {
    /// `tcache_count`: chunks per tcache bin; 0 disables the tcache.
    public var tcacheCount = 7
    /// `tcache_max`: the largest request the tcache serves.
    public var tcacheMax = Layout.maxTcacheSize
    /// `mxfast`: the largest request served from fastbins; 0 disables them.
    public var mxfast = 64 * Layout.sizeSize / 4
    /// `mmap_threshold`: requests of at least this many bytes get a mapping of their own.
    /// Nil keeps glibc's dynamic threshold, starting at 128 KiB; a value fixes it.
    public var mmapThreshold: Int? = nil
    /// `trim_threshold`: top beyond this is returned to the kernel on free.
    /// Nil keeps glibc's dynamic value (twice the mmap threshold once that moves).
    public var trimThreshold: Int? = nil
    /// `top_pad`: extra bytes asked of the kernel on every heap growth.
    public var topPad = 128 * 1024
    /// `mmap_max`: the most chunks mmapped at once.
    public var mmapMax = 65536
    /// `arena_max`: 0 for glibc's rule (8 x cores).
    public var arenaMax = 0
    /// `arena_test`: arenas created before arena_max is computed.
    public var arenaTest = 8
    /// `perturb`: glibc's M_PERTURB byte; allocations are filled with its complement, frees with it.
    public var perturb = 0
    /// The core count glibc's arena limit is computed from; nil reads this machine's.
    public var cores: Int? = nil

    public init() {}

    /// The default mmap threshold, `DEFAULT_MMAP_THRESHOLD_MIN`.
    public static let defaultMmapThreshold = 128 * 1024
}
