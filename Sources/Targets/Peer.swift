import Glibc

/// An allocator other than glibc's, loaded into the process with dlopen: the peers a
/// scenario or the bench compares the model and glibc with.
public enum Peer: String, Sendable, CaseIterable {
    case jemalloc
    case mimalloc
    case tcmalloc

    /// The shared object dlopen looks for (Debian 12's names).
    public var soname: String {
        switch self {
        case .jemalloc: "libjemalloc.so.2"
        case .mimalloc: "libmimalloc.so.2"
        case .tcmalloc: "libtcmalloc_minimal.so.4"
        }
    }

    /// What dlopen opens: `soname`, or the file the environment variable
    /// `ARENASTRESS_JEMALLOC` (`_MIMALLOC`, `_TCMALLOC`) names, for another build.
    public var path: String {
        getenv("ARENASTRESS_" + rawValue.uppercased()).map { String(cString: $0) } ?? soname
    }

    /// The Debian package that installs `soname` (`make deps` installs it).
    public var debianPackage: String {
        switch self {
        case .jemalloc: "libjemalloc2"
        case .mimalloc: "libmimalloc2.0"
        case .tcmalloc: "libtcmalloc-minimal4"
        }
    }

    /// The entry points, in the order malloc, calloc, realloc, memalign, free: the
    /// library's own names where it has them, so that nothing resolves to glibc's.
    var entryPoints: [String] {
        switch self {
        case .jemalloc: ["malloc", "calloc", "realloc", "memalign", "free"]
        case .mimalloc: ["mi_malloc", "mi_calloc", "mi_realloc", "memalign", "mi_free"]
        case .tcmalloc: ["tc_malloc", "tc_calloc", "tc_realloc", "tc_memalign", "tc_free"]
        }
    }

    /// The peer with the name `name` (`jemalloc`, ...), if there is one.
    public init?(name: String) { self.init(rawValue: name) }
}
