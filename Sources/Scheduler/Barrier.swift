import Glibc

/// A reusable barrier for a fixed number of threads, on memory of its own so that it
/// never moves. Unlike a pthread barrier, parties that will never come (a thread the
/// kernel refused to start) can be counted as arrived, so that the others are released.
final class Barrier: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let parties: Int
    // Guarded by `mutex`: arrivals in the current round, and the round's number.
    private var arrived = 0
    private var round = 0

    init(parties: Int) {
        self.parties = parties
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Waits until `parties` threads have arrived (absent ones included).
    func wait() {
        pthread_mutex_lock(mutex)
        let mine = round
        if arrive(1) {
            while round == mine { pthread_cond_wait(condition, mutex) }
        }
        pthread_mutex_unlock(mutex)
    }

    /// Counts `count` parties that will not come as arrived in the current round,
    /// without waiting.
    func arriveAbsent(_ count: Int) {
        guard count > 0 else { return }
        pthread_mutex_lock(mutex)
        _ = arrive(count)
        pthread_mutex_unlock(mutex)
    }

    // With the mutex held: adds `count` arrivals; true when the round is still open.
    private func arrive(_ count: Int) -> Bool {
        arrived += count
        guard arrived >= parties else { return true }
        arrived = 0
        round &+= 1
        pthread_cond_broadcast(condition)
        return false
    }
}
