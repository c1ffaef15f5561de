/// Why a peer allocator could not be loaded, in one line a person can act on.
public struct PeerLoadError: Error, Sendable, CustomStringConvertible {
    public let peer: Peer
    /// What dlopen was given.
    public let path: String
    /// What dlopen or dlsym said.
    public let reason: String

    public var description: String {
        if reason.contains("static TLS") {
            return "target '\(peer.rawValue)': \(path) needs GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 in the environment (arenastress run, sweep and bench set it themselves)"
        }
        if reason.contains("cannot open shared object") {
            return "target '\(peer.rawValue)' is not installed: no \(path) (Debian package \(peer.debianPackage); `make deps` installs it)"
        }
        return "target '\(peer.rawValue)': cannot load \(path): \(reason)"
    }
}
