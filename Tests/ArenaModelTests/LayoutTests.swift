import CSupport
import Glibc
import Testing
@testable import ArenaModel

/// glibc's size arithmetic: request2size against this machine's glibc, the index
/// functions against the values glibc 2.36's macros give on x86_64.
@Suite struct LayoutTests {
    @Test func requestToSizeMatchesThisMachinesGlibc() {
        // malloc_usable_size of a non-mmapped chunk is its size minus SIZE_SZ. Other tests
        // share this process's heap, so glibc may hand out a binned chunk whole when the
        // rest would be under MINSIZE: then it is 16 bytes larger, never more.
        var exact = 0
        for request in 0...4096 {
            let p = Glibc.malloc(request)!
            defer { Glibc.free(p) }
            let extra = cs_glibc_usable_size(p) - (Layout.requestToSize(request) - Layout.sizeSize)
            #expect(extra == 0 || extra == Layout.alignment, "request \(request)")
            if extra == 0 { exact += 1 }
        }
        #expect(exact > 4097 * 9 / 10)
    }

    @Test func constants() {
        #expect(Layout.minSize == 0x20)
        #expect(Layout.minLargeSize == 0x400)
        #expect(Layout.maxTcacheSize == 1032)
        #expect(Layout.fastBinIndex(Layout.requestToSize(Layout.maxFastSize)) + 1 == Layout.fastBinCount)
        #expect(Layout.maxFastChunkSize(forRequest: 128) == 0x80)
        #expect(Layout.maxFastChunkSize(forRequest: 0) == 0x10)
        // Above PTRDIFF_MAX refused; just below it, padded past 2^63 (a size_t, read as a
        // negative Int), as glibc's checked_request2size does.
        #expect(Layout.checkedRequestToSize(-1) == 0)
        #expect(Layout.checkedRequestToSize(Int.min) == 0)
        #expect(Layout.checkedRequestToSize(Int.max) == Int(bitPattern: (1 << 63) + 16))
        #expect(Layout.checkedRequestToSize(Int.max - 22) == Int.min)
        #expect(Layout.checkedRequestToSize(Int.max - 23) == Int.max - 15)
        // request2size wraps for the last 23 values of a size_t, to MINSIZE.
        #expect(Layout.requestToSize(-1) == Layout.minSize)
        #expect(Layout.requestToSize(-24) == -16)
        #expect(Layout.requestToSize(0) == 0x20)
        #expect(Layout.requestToSize(24) == 0x20)
        #expect(Layout.requestToSize(25) == 0x30)
    }

    @Test(arguments: [
        (0x20, 0), (0x30, 1), (0x80, 6), (0xb0, 9),
    ])
    func fastbinIndex(size: Int, index: Int) { #expect(Layout.fastBinIndex(size) == index) }

    @Test(arguments: [
        // small bins: one size each, 16 bytes apart
        (0x20, 2), (0x30, 3), (0x3f0, 63),
        // 64-byte spacing from 0x400 to 0xc3f
        (0x400, 64), (0x430, 64), (0x440, 65), (0xc30, 96),
        // 512-byte spacing, then 4096, 32768, 262144
        (0xc40, 97), (0x2800, 111), (0x2a00, 112), (0x3000, 113), (0xa000, 120), (0xb000, 120),
        (0x28000, 124), (0x40000, 125), (0x80000, 126), (0x1000000, 126),
    ])
    func binIndex(size: Int, index: Int) { #expect(Layout.binIndex(for: size) == index) }

    @Test func largeBinsAreSortedAndContiguous() {
        var last = 64
        for size in stride(from: 0x400, through: 0x200000, by: 16) {
            let i = Layout.largeBinIndex(for: size)
            #expect(i == last || i == last + 1, "size \(size)")
            last = i
        }
        #expect(last == 126)
    }

    @Test func tcacheIndex() {
        #expect(Layout.tcacheIndex(chunkSize: 0x20) == 0)
        #expect(Layout.tcacheIndex(chunkSize: 0x410) == 63)
        #expect(Layout.tcacheIndex(chunkSize: Layout.requestToSize(1032)) == 63)
        #expect(Layout.tcacheIndex(chunkSize: Layout.requestToSize(1033)) == 64)
        // csize2tidx is unsigned: no size (0, or 2^63 and up from a request near
        // PTRDIFF_MAX) lands in a tcache bin by wrapping.
        for size in [0, 16, Int.min, Int.min + 16, -16] { #expect(Layout.tcacheIndex(chunkSize: size) >= Layout.tcacheBinCount) }
    }

    @Test func safeLinkingIsAnInvolution() {
        let pos = UnsafeMutableRawPointer(bitPattern: 0x5555_5555_9000)!
        let ptr = UnsafeMutableRawPointer(bitPattern: 0x5555_5555_92a0)!
        let stored = Layout.protect(pos, ptr)!
        #expect(Int(bitPattern: stored) == (0x5555_5555_9000 >> 12) ^ 0x5555_5555_92a0)
        #expect(Layout.protect(pos, stored) == ptr)
    }
}
