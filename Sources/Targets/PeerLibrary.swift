import Glibc
import Contention

/// One peer allocator's shared object, opened with `dlopen(RTLD_NOW | RTLD_LOCAL)`: its
/// entry points and, where it exports them, its statistics and trim calls.
///
/// RTLD_LOCAL keeps the process's own malloc glibc's: a block from the peer must be
/// freed through the peer. A library is loaded once per process and never closed (an
/// allocator cannot be unloaded while threads hold its caches).
public final class PeerLibrary: @unchecked Sendable {
    public let peer: Peer
    /// The entry points, allocated once and never freed: every handle points here.
    public let functions: UnsafePointer<PeerFunctions>
    let handle: UnsafeMutableRawPointer

    private static let loaded = Locked<[Peer: Result<PeerLibrary, PeerLoadError>]>([:])

    private init(peer: Peer, handle: UnsafeMutableRawPointer, functions: PeerFunctions) {
        self.peer = peer
        self.handle = handle
        let f = UnsafeMutablePointer<PeerFunctions>.allocate(capacity: 1)
        f.initialize(to: functions)
        self.functions = UnsafePointer(f)
    }

    /// The peer's library, loaded on first use; the same object every call.
    public static func load(_ peer: Peer) throws(PeerLoadError) -> PeerLibrary {
        try loaded.withLock { cache in
            if let known = cache[peer] { return known }
            let result = Result { () throws(PeerLoadError) in try open(peer, path: peer.path) }
            cache[peer] = result
            return result
        }.get()
    }

    /// Whether the peer loads in this process (the reason it does not, if not).
    public static func availability(_ peer: Peer) -> PeerLoadError? {
        do { _ = try load(peer); return nil } catch { return error }
    }

    /// Opens `path` as `peer`'s library (uncached: `load` is the way in).
    static func open(_ peer: Peer, path: String) throws(PeerLoadError) -> PeerLibrary {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw PeerLoadError(peer: peer, path: path, reason: dlerror().map { String(cString: $0) } ?? "dlopen failed")
        }
        var symbols: [UnsafeMutableRawPointer] = []
        for name in peer.entryPoints {
            guard let symbol = dlsym(handle, name) else {
                throw PeerLoadError(peer: peer, path: path, reason: "it exports no \(name)")
            }
            symbols.append(symbol)
        }
        let functions = PeerFunctions(
            malloc: unsafeBitCast(symbols[0], to: PeerFunctions.Malloc.self),
            calloc: unsafeBitCast(symbols[1], to: PeerFunctions.Calloc.self),
            realloc: unsafeBitCast(symbols[2], to: PeerFunctions.Realloc.self),
            memalign: unsafeBitCast(symbols[3], to: PeerFunctions.Memalign.self),
            free: unsafeBitCast(symbols[4], to: PeerFunctions.Free.self))
        return PeerLibrary(peer: peer, handle: handle, functions: functions)
    }

    /// A symbol of the library other than the entry points, or nil where it has none.
    func symbol<F>(_ name: String, as type: F.Type) -> F? {
        dlsym(handle, name).map { unsafeBitCast($0, to: type) }
    }
}
