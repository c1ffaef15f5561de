import Atomics
import CSupport
import Glibc

/// The model's only way to the kernel: every mmap, munmap, mprotect, mremap and
/// madvise it makes, each counted, and the simulated program break (`MORECORE`).
///
/// The main arena's heap grows like sbrk inside one reservation mapped PROT_NONE at
/// the first request: growing makes pages accessible with mprotect, shrinking maps
/// PROT_NONE over them again (which also gives the pages back). A request is one
/// system call, so a run can say how often the allocator went to the kernel.
enum OSMemory {
    /// The address space reserved for the main arena's break: 64 GiB, never committed,
    /// or less where the address space is limited (under valgrind, say).
    static let breakReservation = 1 << 36
    static let smallestBreakReservation = 1 << 28

    static func map(_ g: Globals, _ length: Int, protection: Int32 = PROT_READ | PROT_WRITE,
                    flags: Int32 = 0, at hint: UnsafeMutableRawPointer? = nil) -> UnsafeMutableRawPointer? {
        g.atomic(.osMmap).wrappingIncrement(ordering: .relaxed)
        let p = mmap(hint, length, protection, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0)
        guard let p, p != MAP_FAILED else { return nil }
        g.atomic(.osBytesMapped).wrappingIncrement(by: length, ordering: .relaxed)
        return p
    }

    static func unmap(_ g: Globals, _ address: UnsafeMutableRawPointer, _ length: Int) {
        g.atomic(.osMunmap).wrappingIncrement(ordering: .relaxed)
        if munmap(address, length) == 0 {
            g.atomic(.osBytesReleased).wrappingIncrement(by: length, ordering: .relaxed)
        }
    }

    static func protect(_ g: Globals, _ address: UnsafeMutableRawPointer, _ length: Int, _ protection: Int32) -> Bool {
        g.atomic(.osMprotect).wrappingIncrement(ordering: .relaxed)
        return mprotect(address, length, protection) == 0
    }

    static func remap(_ g: Globals, _ address: UnsafeMutableRawPointer, _ old: Int, _ new: Int) -> UnsafeMutableRawPointer? {
        g.atomic(.osMremap).wrappingIncrement(ordering: .relaxed)
        let p = cs_mremap_maymove(address, old, new)
        guard let p, p != MAP_FAILED else { return nil }
        return p
    }

    static func adviseDontNeed(_ g: Globals, _ address: UnsafeMutableRawPointer, _ length: Int) {
        g.atomic(.osMadvise).wrappingIncrement(ordering: .relaxed)
        if madvise(address, length, MADV_DONTNEED) == 0 {
            g.atomic(.osBytesReleased).wrappingIncrement(by: length, ordering: .relaxed)
        }
    }

    /// Replaces pages with an inaccessible, uncommitted mapping: they go back to the kernel.
    static func decommit(_ g: Globals, _ address: UnsafeMutableRawPointer, _ length: Int) -> Bool {
        g.atomic(.osShrink).wrappingIncrement(ordering: .relaxed)
        let p = mmap(address, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0)
        guard p != MAP_FAILED else { return false }
        g.atomic(.osBytesReleased).wrappingIncrement(by: length, ordering: .relaxed)
        return true
    }

    /// `MORECORE (increment)`, glibc's sbrk: the old break, or nil where it cannot move.
    static func moreCore(_ g: Globals, _ increment: Int) -> UnsafeMutableRawPointer? {
        if g[.brkReserveStart] == 0 {
            guard increment > 0 else { return nil }
            var length = breakReservation
            var start = map(g, length, protection: PROT_NONE, flags: MAP_NORESERVE)
            while start == nil && length > smallestBreakReservation {
                length /= 2
                start = map(g, length, protection: PROT_NONE, flags: MAP_NORESERVE)
            }
            guard let start else { return nil }
            g[.brkReserveStart] = Int(bitPattern: start)
            g[.brkReserveEnd] = Int(bitPattern: start) + length
            g[.brkCurrent] = Int(bitPattern: start)
        }
        let old = g[.brkCurrent]
        guard increment != 0 else { return UnsafeMutableRawPointer(bitPattern: old) }
        let new = old + increment
        guard new >= g[.brkReserveStart], new <= g[.brkReserveEnd] else { return nil }
        let oldPages = Layout.alignUp(old, Layout.pageSize), newPages = Layout.alignUp(new, Layout.pageSize)
        if newPages > oldPages {
            guard protect(g, UnsafeMutableRawPointer(bitPattern: oldPages)!, newPages - oldPages, PROT_READ | PROT_WRITE)
            else { return nil }
        } else if newPages < oldPages {
            guard decommit(g, UnsafeMutableRawPointer(bitPattern: newPages)!, oldPages - newPages) else { return nil }
        } else {
            // The break moved within a page: brk(2) is still one system call.
            g.atomic(.osMprotect).wrappingIncrement(ordering: .relaxed)
        }
        g[.brkCurrent] = new
        return UnsafeMutableRawPointer(bitPattern: old)
    }
}

/// Requests to the kernel made by one `ArenaSet`, by kind.
public struct OSCounters: Sendable, Equatable, Codable {
    /// mmap calls: heap reservations, mmapped chunks, the break's reservation.
    public var mmap = 0
    /// munmap calls.
    public var munmap = 0
    /// mprotect calls: a heap or the break growing.
    public var mprotect = 0
    /// mremap calls: realloc of mmapped chunks.
    public var mremap = 0
    /// madvise(MADV_DONTNEED) calls: malloc_trim and non-main heap shrinking.
    public var madvise = 0
    /// The break shrinking (a PROT_NONE mapping over the released pages).
    public var shrink = 0
    /// Bytes mapped, and bytes given back by munmap, madvise or shrinking.
    public var bytesMapped = 0, bytesReleased = 0

    /// Every request to the kernel.
    public var total: Int { mmap + munmap + mprotect + mremap + madvise + shrink }

    init(_ g: Globals) {
        mmap = g[.osMmap]; munmap = g[.osMunmap]; mprotect = g[.osMprotect]; mremap = g[.osMremap]
        madvise = g[.osMadvise]; shrink = g[.osShrink]
        bytesMapped = g[.osBytesMapped]; bytesReleased = g[.osBytesReleased]
    }
}
