import Scenario

/// Told how a run goes, for progress on a terminal. Called on the thread that runs
/// the scenario, while the workers are parked (`stepEnded`) or before they start.
public protocol RunObserver: AnyObject, Sendable {
    /// A sweep point starts; `progress()` gives each worker's operations in the
    /// current phase step, readable from any thread while the point runs.
    func pointStarted(_ point: SweepPoint, scenario: Scenario, progress: @escaping @Sendable () -> [Int])
    /// A step of phase `phase` ended; `ops` and `nanoseconds` are the phase's so far.
    func stepEnded(_ point: SweepPoint, phase: String, ops: Int, nanoseconds: UInt64, endsPhase: Bool)
    /// The point ended.
    func pointEnded(_ point: SweepPoint)
}

/// An observer that does nothing.
public final class SilentObserver: RunObserver {
    public init() {}
    public func pointStarted(_ point: SweepPoint, scenario: Scenario, progress: @escaping @Sendable () -> [Int]) {}
    public func stepEnded(_ point: SweepPoint, phase: String, ops: Int, nanoseconds: UInt64, endsPhase: Bool) {}
    public func pointEnded(_ point: SweepPoint) {}
}
