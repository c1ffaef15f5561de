import Atomics
import CSupport
import Glibc

/// The model's only way to the kernel: every mmap, munmap, mprotect, mremap and
/// madvise it makes, each counted, and the simulated program break (`MORECORE`).
///
/// The main arena's heap grows like the program break inside one reservation mapped
/// PROT_NONE at the first request; it stands in for the process's break area, which
/// glibc does not map either, so it is not counted. Each move of the break counts as
/// one request, as brk(2) is one system call: growing past the pages already made
/// accessible does it with mprotect, shrinking gives the pages back with
/// MADV_DONTNEED, and regrowing over them needs nothing more.
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

    /// `MORECORE (increment)`, glibc's sbrk: the old break, or nil where it cannot move.
    static func moreCore(_ g: Globals, _ increment: Int) -> UnsafeMutableRawPointer? {
        if g[.brkReserveStart] == 0 {
            guard increment > 0 else { return nil }
            var length = breakReservation
            var start = mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            while start == MAP_FAILED && length > smallestBreakReservation {
                length /= 2
                start = mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            }
            guard let start, start != MAP_FAILED else { return nil }
            g[.brkReserveStart] = Int(bitPattern: start)
            g[.brkReserveEnd] = Int(bitPattern: start) + length
            g[.brkCurrent] = Int(bitPattern: start)
            g[.brkAccessibleEnd] = Int(bitPattern: start)
        }
        let old = g[.brkCurrent]
        guard increment != 0 else { return UnsafeMutableRawPointer(bitPattern: old) }
        // sbrk refuses an increment that would wrap the address space.
        let (new, wraps) = old.addingReportingOverflow(increment)
        guard !wraps, new >= g[.brkReserveStart], new <= g[.brkReserveEnd] else { return nil }
        g.atomic(.osBrk).wrappingIncrement(ordering: .relaxed)
        let accessible = g[.brkAccessibleEnd], newPages = Layout.alignUp(new, Layout.pageSize)
        if newPages > accessible {
            let grown = UnsafeMutableRawPointer(bitPattern: accessible)!
            guard mprotect(grown, newPages - accessible, PROT_READ | PROT_WRITE) == 0 else { return nil }
            g[.brkAccessibleEnd] = newPages
            g.atomic(.osBytesMapped).wrappingIncrement(by: newPages - accessible, ordering: .relaxed)
        } else if increment < 0 {
            let oldPages = Layout.alignUp(old, Layout.pageSize)
            if oldPages > newPages {
                madvise(UnsafeMutableRawPointer(bitPattern: newPages)!, oldPages - newPages, MADV_DONTNEED)
                g.atomic(.osBytesReleased).wrappingIncrement(by: oldPages - newPages, ordering: .relaxed)
            }
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
    /// mprotect calls: a non-main heap growing.
    public var mprotect = 0
    /// mremap calls: realloc of mmapped chunks.
    public var mremap = 0
    /// madvise(MADV_DONTNEED) calls: malloc_trim and non-main heap shrinking.
    public var madvise = 0
    /// Moves of the main arena's break (brk calls in glibc), up or down.
    public var brk = 0
    /// Bytes mapped or added to the break, and bytes given back.
    public var bytesMapped = 0, bytesReleased = 0

    /// Every request to the kernel.
    public var total: Int { mmap + munmap + mprotect + mremap + madvise + brk }

    init(_ g: Globals) {
        mmap = g[.osMmap]; munmap = g[.osMunmap]; mprotect = g[.osMprotect]; mremap = g[.osMremap]
        madvise = g[.osMadvise]; brk = g[.osBrk]
        bytesMapped = g[.osBytesMapped]; bytesReleased = g[.osBytesReleased]
    }
}
