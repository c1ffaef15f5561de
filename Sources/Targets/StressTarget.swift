import ArenaModel

/// The allocator a scenario runs against: the model, this process's glibc, or (later)
/// a peer loaded with dlopen.
///
/// Every worker thread works through a handle of its own (`attach`); the allocation
/// entry points are static so that a runner generic over the target calls them
/// directly, with no existential or closure on the path of an operation.
public protocol StressTarget: AnyObject, Sendable {
    /// What a worker thread allocates through: its thread cache and arena for the model.
    associatedtype Handle

    /// The name reports use (`model`, `glibc`, ...).
    var name: String { get }

    /// A handle for a worker thread that starts now; called on that thread.
    func attach() -> Handle
    /// The worker thread holding `handle` exits (glibc: tcache shutdown, arena freed).
    func detach(_ handle: Handle)

    static func malloc(_ handle: Handle, _ bytes: Int) -> UnsafeMutableRawPointer?
    static func calloc(_ handle: Handle, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer?
    static func realloc(_ handle: Handle, _ pointer: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer?
    static func memalign(_ handle: Handle, _ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer?
    static func free(_ handle: Handle, _ pointer: UnsafeMutableRawPointer?)

    /// `malloc_trim(0)`: gives back to the kernel what can be given back; true if any was.
    func trim() -> Bool
    /// The target's memory as it accounts for it, with the world stopped. It walks the
    /// allocator's lists: not to be called on a heap found broken.
    func memory() -> TargetMemory
    /// Requests made to the kernel so far, from counters only (safe on a broken heap);
    /// nil where the target cannot count them.
    func kernelRequests() -> Int?
    /// Every arena lock's use since the last call, per thread and arena; empty where
    /// the target cannot tell.
    func takeLockUses() -> [ThreadLockUse]
}

/// What an allocator holds from the kernel and what of it is in use.
public struct TargetMemory: Sendable, Equatable, Codable {
    /// Bytes held from the kernel: heaps, the break and mapped chunks (mallinfo2's
    /// arena + hblkhd).
    public var heldBytes: Int
    /// Bytes in allocated chunks (mallinfo2's uordblks + hblkhd).
    public var inUseBytes: Int
    /// Requests made to the kernel so far (mmap, munmap, mprotect, mremap, madvise,
    /// brk), or nil where the target cannot count them.
    public var osRequests: Int?
    /// Pages of the target's heaps resident in memory, in bytes, measured (mincore, or
    /// the allocator's own count of resident pages), never copied from `heldBytes`; nil
    /// where it cannot be measured, and `residentNote` says why.
    public var residentBytes: Int?
    /// Why `residentBytes` is absent, when it is.
    public var residentNote: String?
    /// Arenas in use.
    public var arenas: Int?

    public init(heldBytes: Int, inUseBytes: Int, osRequests: Int? = nil, residentBytes: Int? = nil, arenas: Int? = nil) {
        self.heldBytes = heldBytes
        self.inUseBytes = inUseBytes
        self.osRequests = osRequests
        self.residentBytes = residentBytes
        self.arenas = arenas
    }
}
