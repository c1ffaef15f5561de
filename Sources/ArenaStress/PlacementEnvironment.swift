import Contention
import Placement

/// What a runner knows of placement before its first sweep point: the topology, the
/// system calls it binds and locates memory with, and what a real mbind did when tried.
public struct PlacementEnvironment: Sendable {
    public let topology: Topology
    public let binder: MemoryBinder
    /// A real mbind of a page of its own to the first node this process may allocate on.
    public let probe: BindingProbe

    /// An environment as given: a synthetic topology, a refusing kernel.
    public init(topology: Topology, binder: MemoryBinder, probe: BindingProbe) {
        self.topology = topology
        self.binder = binder
        self.probe = probe
    }

    /// This machine, probed through `binder`; its CPU-to-node table installed for the lock
    /// statistics (once per process: later calls find it in place).
    public static func machine(binder: MemoryBinder = .system) -> PlacementEnvironment {
        let topology = Topology.machine()
        CPUNodes.install(CPUNodes(topology.nodeOfCPU))
        let probe = binder.probe(node: topology.allowedNodes.first ?? 0, policy: .preferred)
        return PlacementEnvironment(topology: topology, binder: binder, probe: probe)
    }
}
