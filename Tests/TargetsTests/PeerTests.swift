import Glibc
import Testing
@testable import Targets

/// Whether `peer`'s library is on this machine (loadable here, or loadable once the
/// command line has set jemalloc's TLS tunable).
func installed(_ peer: Peer) -> Bool {
    guard let error = PeerLibrary.availability(peer) else { return true }
    return error.reason.contains("static TLS")
}

/// Whether `peer` loads in this test process (jemalloc does only under GLIBC_TUNABLES).
func loadable(_ peer: Peer) -> Bool { PeerLibrary.availability(peer) == nil }

/// Why a test of `peer` is skipped here: what loading it said.
func whyNot(_ peer: Peer) -> Comment {
    "\(PeerLibrary.availability(peer)?.description ?? "target '\(peer.rawValue)' loads")"
}

@Suite struct PeerTests {
    /// Blocks from the peer: distinct, writable, aligned as asked, the same bytes after
    /// a realloc, zeroed by calloc, and all freed through the peer.
    static func exercise(_ peer: Peer) throws {
        let target = PeerTarget(try PeerLibrary.load(peer))
        #expect(target.name == peer.rawValue)
        let h = target.attach()
        var blocks: [UnsafeMutableRawPointer] = []
        for i in 0..<1000 {
            let bytes = 8 + (i * 37) % 2000
            let p = try #require(PeerTarget.malloc(h, bytes))
            p.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: i), count: bytes)
            blocks.append(p)
        }
        #expect(Set(blocks).count == blocks.count)
        for (i, p) in blocks.enumerated() { #expect(p.load(as: UInt8.self) == UInt8(truncatingIfNeeded: i)) }
        let grown = try #require(PeerTarget.realloc(h, blocks[5], 100_000))
        #expect(grown.load(as: UInt8.self) == 5)
        blocks[5] = grown
        let zeroed = try #require(PeerTarget.calloc(h, 100, 10))
        #expect(UnsafeRawBufferPointer(start: zeroed, count: 1000).allSatisfy { $0 == 0 })
        blocks.append(zeroed)
        let aligned = try #require(PeerTarget.memalign(h, 4096, 100))
        #expect(UInt(bitPattern: aligned) % 4096 == 0)
        blocks.append(aligned)
        for p in blocks { PeerTarget.free(h, p) }
        target.detach(h)
        let memory = target.memory()
        #expect(memory.heldBytes > 0, "\(peer.rawValue) reports its memory")
        _ = target.trim()
    }

    @Test(.enabled(if: loadable(.mimalloc), whyNot(.mimalloc)))
    func mimallocAllocatesAndFrees() throws { try Self.exercise(.mimalloc) }

    @Test(.enabled(if: loadable(.tcmalloc), whyNot(.tcmalloc)))
    func tcmallocAllocatesAndFrees() throws { try Self.exercise(.tcmalloc) }

    // jemalloc loads in this process only when GLIBC_TUNABLES reserves static TLS for it;
    // CommandLineTargetTests runs it through the command line, which sets it.
    @Test(.enabled(if: loadable(.jemalloc), whyNot(.jemalloc)))
    func jemallocAllocatesAndFrees() throws { try Self.exercise(.jemalloc) }

    @Test func aMissingLibraryIsOneClearLine() throws {
        let error = #expect(throws: PeerLoadError.self) { try PeerLibrary.open(.tcmalloc, path: "/nonexistent/libtcmalloc_minimal.so.4") }
        let text = try #require(error).description
        #expect(text == "target 'tcmalloc' is not installed: no /nonexistent/libtcmalloc_minimal.so.4 (Debian package libtcmalloc-minimal4; `make deps` installs it)")
        #expect(!text.contains("\n"))
    }

    @Test func aLibraryThatIsNoAllocatorIsRefused() throws {
        let error = #expect(throws: PeerLoadError.self) { try PeerLibrary.open(.mimalloc, path: "libm.so.6") }
        #expect(try #require(error).description == "target 'mimalloc': cannot load libm.so.6: it exports no mi_malloc")
    }
}
