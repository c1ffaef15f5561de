import Contention
import Reporting
import Scheduler
import Targets

// A NULL from the allocator is an outcome, not a finding: counted per phase with the
// first call that failed, the slot left empty, the run going on. Workers count in their
// own line of `shared` (bytes 16-47), off the path of a call that succeeds.
extension PointRun {
    private static var failuresOffset: Int { 16 }

    /// Counts a call of worker `worker` that returned NULL, keeping the worker's first
    /// since the last `takeAllocationFailures`. False when the allocator has stopped (the
    /// model after one of glibc's checks failed, where every call returns NULL, as glibc
    /// would have aborted): that NULL is not counted and the worker's loop ends.
    @inline(never)
    func allocationFailed(_ worker: Int, _ call: OpLog.Kind, _ bytes: Int) -> Bool {
        if let model = target as? ModelTarget, !model.arenas.violations.isEmpty { return false }
        let line = shared + worker * 64 + Self.failuresOffset
        let count = line.load(as: Int.self)
        if count == 0 {
            line.storeBytes(of: bytes, toByteOffset: 8, as: Int.self)
            line.storeBytes(of: call.rawValue, toByteOffset: 16, as: Int.self)
            line.storeBytes(of: monotonicNanoseconds(), toByteOffset: 24, as: UInt64.self)
        }
        line.storeBytes(of: count &+ 1, as: Int.self)
        return true
    }

    /// With the world stopped: every worker's NULLs since the last call, and the
    /// earliest of them; the counts start again.
    func takeAllocationFailures() -> (count: Int, first: AllocationFailure?) {
        var total = 0, first: (at: UInt64, failure: AllocationFailure)?
        for worker in 0..<threads {
            let line = shared + worker * 64 + Self.failuresOffset
            let count = line.load(as: Int.self)
            guard count > 0 else { continue }
            total &+= count
            let at = line.load(fromByteOffset: 24, as: UInt64.self)
            let call = OpLog.Kind(rawValue: line.load(fromByteOffset: 16, as: Int.self)).map { "\($0)" } ?? "malloc"
            if at < first?.at ?? .max {
                first = (at, AllocationFailure(call: call, size: line.load(fromByteOffset: 8, as: Int.self), worker: worker))
            }
            line.storeBytes(of: 0, as: Int.self)
        }
        return (total, first?.failure)
    }
}
