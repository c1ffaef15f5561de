/// A malloc chunk: a view of the memory at one chunk boundary.
///
/// ```
///     chunk-> +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///             |  prev_size: size of the previous chunk, if it is free        |
///             +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///             |  size of this chunk, in bytes                          |A|M|P|
///       mem-> +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///             |  in use: user data ...                                       |
///             |  free:   fd (next in bin), bk (previous in bin),             |
///             |          fd_nextsize, bk_nextsize (large bins only)          |
///             .                                                              .
/// next chunk->+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///             |  prev_size: this chunk's size if it is free (the footer),    |
///             |             else the last 8 bytes of its user data           |
///             +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///             |  size of the next chunk                                |A|M|P|
///             +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// P is `PREV_INUSE` (the chunk before is in use), M is `IS_MMAPPED`, A is
/// `NON_MAIN_ARENA`. Offsets on x86_64: prev_size 0, size 8, fd 16, bk 24,
/// fd_nextsize 32, bk_nextsize 40. A chunk in a tcache holds `next` (safe-linked)
/// at 16 and the tcache `key` at 24; one in a fastbin holds a safe-linked fd.
public struct Chunk: Equatable, Hashable {
    /// The chunk's first byte (its prev_size field).
    public let address: UnsafeMutableRawPointer

    @inline(__always)
    public init(_ address: UnsafeMutableRawPointer) { self.address = address }

    /// `mem2chunk`.
    @inline(__always)
    public init(mem: UnsafeMutableRawPointer) { address = mem - Layout.chunkHeaderSize }

    /// `chunk2mem`: the pointer malloc hands out.
    @inline(__always)
    public var mem: UnsafeMutableRawPointer { address + Layout.chunkHeaderSize }

    @inline(__always)
    func word(_ offset: Int) -> Int { address.load(fromByteOffset: offset, as: Int.self) }
    @inline(__always)
    func setWord(_ offset: Int, _ value: Int) { address.storeBytes(of: value, toByteOffset: offset, as: Int.self) }
    @inline(__always)
    func link(_ offset: Int) -> Chunk { Chunk(address.load(fromByteOffset: offset, as: UnsafeMutableRawPointer.self)) }
    @inline(__always)
    func setLink(_ offset: Int, _ chunk: Chunk?) {
        address.storeBytes(of: chunk?.address, toByteOffset: offset, as: UnsafeMutableRawPointer?.self)
    }

    /// `prev_size`, valid only when the chunk before is free.
    public var prevSize: Int {
        @inline(__always) get { word(0) }
        @inline(__always) nonmutating set { setWord(0, newValue) }
    }
    /// `chunksize_nomask`: the size field with its three flag bits.
    public var head: Int {
        @inline(__always) get { word(8) }
        @inline(__always) nonmutating set { setWord(8, newValue) }
    }
    /// `chunksize`: the size without flags.
    public var size: Int { @inline(__always) get { head & ~Layout.sizeBits } }
    /// `prev_inuse`.
    public var prevInUse: Bool { @inline(__always) get { head & Layout.prevInUseBit != 0 } }
    /// `chunk_is_mmapped`.
    public var isMmapped: Bool { @inline(__always) get { head & Layout.isMmappedBit != 0 } }
    /// `chunk_main_arena` negated.
    public var nonMainArena: Bool { @inline(__always) get { head & Layout.nonMainArenaBit != 0 } }

    /// `fd`: the next chunk in a doubly linked bin.
    public var fd: Chunk {
        @inline(__always) get { link(16) }
        @inline(__always) nonmutating set { setLink(16, newValue) }
    }
    /// `bk`: the previous chunk in a doubly linked bin.
    public var bk: Chunk {
        @inline(__always) get { link(24) }
        @inline(__always) nonmutating set { setLink(24, newValue) }
    }
    /// `fd_nextsize`: the next smaller size in a large bin, or nil off the skip list.
    public var fdNextSize: Chunk? {
        @inline(__always) get { address.load(fromByteOffset: 32, as: UnsafeMutableRawPointer?.self).map { Chunk($0) } }
        @inline(__always) nonmutating set { setLink(32, newValue) }
    }
    /// `bk_nextsize`: the next larger size in a large bin, or nil off the skip list.
    public var bkNextSize: Chunk? {
        @inline(__always) get { address.load(fromByteOffset: 40, as: UnsafeMutableRawPointer?.self).map { Chunk($0) } }
        @inline(__always) nonmutating set { setLink(40, newValue) }
    }
    /// The raw fd word of a fastbin chunk: safe-linked, possibly nil.
    var protectedFd: UnsafeMutableRawPointer? {
        @inline(__always) get { address.load(fromByteOffset: 16, as: UnsafeMutableRawPointer?.self) }
        @inline(__always) nonmutating set { address.storeBytes(of: newValue, toByteOffset: 16, as: UnsafeMutableRawPointer?.self) }
    }
    /// `REVEAL_PTR (p->fd)`: the next chunk of a fastbin list.
    var revealedFd: Chunk? {
        @inline(__always) get { Layout.protect(address + 16, protectedFd).map { Chunk($0) } }
    }

    /// `chunk_at_offset`.
    @inline(__always)
    public func at(_ offset: Int) -> Chunk { Chunk(address + offset) }
    /// `next_chunk`.
    public var next: Chunk { @inline(__always) get { at(size) } }
    /// `prev_chunk`, meaningful only when `prevInUse` is false.
    public var previous: Chunk { @inline(__always) get { at(-prevSize) } }
    /// `inuse`: this chunk is in use, as its successor's PREV_INUSE says.
    public var inUse: Bool { @inline(__always) get { next.prevInUse } }

    /// `inuse_bit_at_offset`.
    @inline(__always)
    func inUseBit(at offset: Int) -> Bool { at(offset).prevInUse }
    /// `set_inuse_bit_at_offset`.
    @inline(__always)
    func setInUseBit(at offset: Int) { let c = at(offset); c.head = c.head | Layout.prevInUseBit }
    /// `clear_inuse_bit_at_offset`.
    @inline(__always)
    func clearInUseBit(at offset: Int) { let c = at(offset); c.head = c.head & ~Layout.prevInUseBit }
    /// `set_head_size`: a new size that keeps the flags.
    @inline(__always)
    func setHeadSize(_ size: Int) { head = (head & Layout.sizeBits) | size }
    /// `set_foot`: the footer in the next chunk's prev_size.
    @inline(__always)
    func setFoot(_ size: Int) { at(size).prevSize = size }
    /// `set_non_main_arena`.
    @inline(__always)
    func setNonMainArena() { head = head | Layout.nonMainArenaBit }

    /// `misaligned_chunk`.
    public var isMisaligned: Bool { @inline(__always) get { Int(bitPattern: address) & Layout.alignMask != 0 } }
}
