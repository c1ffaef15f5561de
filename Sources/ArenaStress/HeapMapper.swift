import HeapCheck
import Reporting

/// Turns a heap dump into heap maps: each heap's chunks spread over `cells` equal cells.
public enum HeapMapper {
    static let cells = 1024

    /// One map per heap of `dump` (mmapped chunks are not in a heap and not drawn), and
    /// the largest free chunk in a bin or tcache.
    public static func maps(_ dump: HeapDump) -> (maps: [HeapMap], largestFree: Int) {
        var maps: [HeapMap] = []
        var largest = 0
        var group: [ChunkSpan] = []
        func flush() {
            if let map = map(group) { maps.append(map) }
            group = []
        }
        for span in dump.spans {
            if span.state != .inUse && span.state != .top && span.state != .fencepost && span.state != .mmapped {
                largest = max(largest, span.size)
            }
            guard span.arena != nil else { continue }
            if let last = group.last, last.arena != span.arena || last.heap != span.heap { flush() }
            group.append(span)
        }
        flush()
        return (maps, largest)
    }

    private static func map(_ spans: [ChunkSpan]) -> HeapMap? {
        guard let first = spans.first, let last = spans.last, let arena = first.arena else { return nil }
        let start = first.address, end = last.address &+ UInt(max(last.size, 0))
        guard end > start else { return nil }
        let bytes = Int(end - start)
        let cellBytes = max(16, (bytes + cells - 1) / cells)
        let count = (bytes + cellBytes - 1) / cellBytes
        // Per cell: bytes in use, then bytes of each free kind in `HeapMap.freeKinds` order.
        var tally = [Int](repeating: 0, count: count * 7)
        for span in spans where span.size > 0 {
            let kind: Int = switch span.state {
            case .inUse, .fencepost, .mmapped: 0
            case .tcache: 1
            case .fastbin: 2
            case .unsorted: 3
            case .smallbin: 4
            case .largebin: 5
            case .top: 6
            }
            var offset = Int(span.address - start)
            var left = min(span.size, bytes - offset)
            while left > 0 {
                let cell = offset / cellBytes
                let take = min(left, (cell + 1) * cellBytes - offset)
                tally[cell * 7 + kind] += take
                offset += take
                left -= take
            }
        }
        var free = "", inUse = ""
        free.reserveCapacity(count)
        inUse.reserveCapacity(count)
        for cell in 0..<count {
            let row = tally[cell * 7..<cell * 7 + 7]
            let total = row.reduce(0, +)
            let used = row[cell * 7]
            let tenths = total == 0 ? 0 : (used * 10 + total - 1) / total
            inUse.append(Character(String(min(9, tenths))))
            let best = (1...6).max { row[cell * 7 + $0] < row[cell * 7 + $1] }!
            free.append(row[cell * 7 + best] == 0 ? "." : HeapMap.freeKinds[best - 1].code)
        }
        return HeapMap(arena: arena, heap: first.heap ?? 0, bytes: bytes, cellBytes: cellBytes, free: free, inUse: inUse)
    }
}
