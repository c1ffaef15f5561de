extension Arena {
    /// `mtrim`: consolidates the fastbins, gives back with MADV_DONTNEED every whole
    /// page inside the free chunks of the unsorted bin and of the bins of page-sized
    /// chunks and up, then (main arena) moves the break down over a large top.
    func trim(_ pad: Int, _ g: Globals) -> Bool {
        guard consolidate(g) else { return false }
        let ps = Layout.pageSize
        let psIndex = Layout.binIndex(for: ps)
        var result = false
        for i in 1..<Layout.binCount where i == 1 || i >= psIndex {
            let bin = bin(i)
            var p = bin.bk
            while p != bin {
                var size = p.size
                // Keep the chunk's header and links: only pages past them are released.
                if size > ps - 1 + 48 {
                    let pagedMem = (Int(bitPattern: p.address) + 48 + ps - 1) & ~(ps - 1)
                    size -= pagedMem - Int(bitPattern: p.address)
                    if size > ps - 1 {
                        OSMemory.adviseDontNeed(g, UnsafeMutableRawPointer(bitPattern: pagedMem)!, size & ~(ps - 1))
                        result = true
                    }
                }
                p = p.bk
            }
        }
        return (self == g.mainArena ? systrim(pad, g) : false) || result
    }
}
