import Glibc

/// A reusable barrier for a fixed number of threads (a pthread barrier on memory of
/// its own, so that it never moves).
final class Barrier: @unchecked Sendable {
    private let barrier: UnsafeMutablePointer<pthread_barrier_t>

    init(parties: Int) {
        barrier = .allocate(capacity: 1)
        pthread_barrier_init(barrier, nil, UInt32(parties))
    }

    deinit {
        pthread_barrier_destroy(barrier)
        barrier.deallocate()
    }

    /// Waits until `parties` threads have arrived.
    func wait() { pthread_barrier_wait(barrier) }
}
