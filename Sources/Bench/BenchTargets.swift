import Targets

/// The targets `arenastress bench` knows, by their command-line names.
public enum TargetName: String, CaseIterable, Sendable {
    case model
    case glibc
    /// A bare pthread mutex: the baseline of the lock workloads.
    case plain
    /// The peers, loaded with dlopen where installed.
    case jemalloc
    case mimalloc
    case tcmalloc

    /// The peer allocator it names, if it names one.
    var peer: Peer? { Peer(name: rawValue) }

    /// Why the target cannot run in this process (a peer not installed or not
    /// loadable), in one line; nil when it can.
    public var unavailability: String? { peer.flatMap { PeerLibrary.availability($0)?.description } }

    /// The peer it names as a target. The bench drops a peer that does not load before
    /// any workload runs, so here it names one and it has loaded.
    var peerTarget: PeerTarget {
        guard let peer else { preconditionFailure("bench: \(rawValue) is not a peer") }
        do { return PeerTarget(try PeerLibrary.load(peer)) } catch { preconditionFailure("bench: \(error)") }
    }
}
