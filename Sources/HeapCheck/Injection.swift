import ArenaModel

/// Bytes an injection wrote, with what was there before.
public struct InjectedWrite: Sendable, Equatable {
    public let address: UInt
    public let before: [UInt8]
    public let after: [UInt8]
}

/// The next call a corruption implies, the one glibc's runtime checks would see.
public struct FollowUp {
    /// The call, in words (`free(0x...)`, `calloc(1, 24) twice`).
    public let description: String
    let body: (MallocThread, inout Ledger) -> Void

    /// Makes the call on `thread`, forgetting in `ledger` any block it frees.
    public func run(on thread: MallocThread, ledger: inout Ledger) { body(thread, &ledger) }
}

/// One corruption as it was injected: the bytes written, and the call that follows.
public struct Injection {
    public let kind: CorruptionKind
    /// What the injection did, in words.
    public let summary: String
    /// Every write, in order (writes into the corruptor's foreign page included).
    public let writes: [InjectedWrite]
    /// The call the corruption implies next; nil where that call would make the model
    /// (as glibc) follow a pointer into memory that is not there.
    public let followUp: FollowUp?

    /// Puts back the bytes the injection wrote, last write first. Meant for before the
    /// follow-up, or for memory the follow-up left in place.
    public func revert() {
        for write in writes.reversed() {
            let p = UnsafeMutableRawPointer(bitPattern: write.address)!
            for (i, byte) in write.before.enumerated() { p.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
        }
    }
}
