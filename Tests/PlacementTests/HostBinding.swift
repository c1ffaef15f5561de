import Glibc
import Placement
import Testing

/// What this machine's kernel lets placement do, found with a real mbind and move_pages
/// on a page of the probe's own, as the runner and `arenastress topology` find it.
/// numa_available() is no guide: it says yes in a container whose seccomp profile
/// refuses mbind. Tests that need the calls skip with the probe's note as the reason.
enum HostBinding {
    /// The node the probe binds to: the first this process may use.
    static let node = Topology.machine().allowedNodes.first ?? 0

    static let probe = MemoryBinder.system.probe(node: node, policy: .preferred)

    /// mbind binds and move_pages tells where a page is.
    static var works: Bool { probe.binds && probe.locates }

    /// Why a test that needs both is skipped here.
    static var refusal: Comment { "needs mbind and move_pages, and this machine says: \(probe.note)" }

    /// Whether this process may run on `cpu` (pinning to another is refused).
    static func mayRunOn(_ cpu: Int) -> Bool { Topology.allowedCPUs().contains(cpu) }
}
