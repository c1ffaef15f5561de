/// `allocate`: each worker fills `count` new slots with sizes from `size`.
public struct AllocateSpec: Sendable, Codable, Equatable {
    /// New slots per worker.
    public var count: Int
    /// The size of each allocation.
    public var size: SizeDistribution

    /// An allocate phase's options.
    public init(count: Int, size: SizeDistribution) {
        self.count = count
        self.size = size
    }
}

/// `free`: each worker empties a share of its live slots in an order.
public struct FreeSpec: Sendable, Codable, Equatable {
    /// How many of a worker's live slots to free.
    public enum Amount: Sendable, Codable, Equatable {
        /// This fraction of the live slots, 0...1, rounded down. YAML: `fraction: 0.9`.
        case fraction(Double)
        /// This many live slots, or all of them when fewer. YAML: `count: 1000`.
        case count(Int)
    }

    /// Which live slots go first.
    public enum Order: String, Sendable, Codable, Equatable, CaseIterable {
        /// A random choice among the live slots (the default).
        case random
        /// The most recently filled first.
        case lifo
        /// The least recently filled first.
        case fifo
    }

    /// How many to free.
    public var amount: Amount
    /// In what order. Default `.random`.
    public var order: Order

    /// A free phase's options.
    public init(amount: Amount, order: Order = .random) {
        self.amount = amount
        self.order = order
    }
}

/// How long a churn or handoff phase runs: a count of operations per worker, or a time.
public enum PhaseLength: Sendable, Codable, Equatable {
    /// This many operations per worker. YAML: `ops: 2000000`.
    case ops(Int)
    /// This long, in nanoseconds. YAML: `duration: 5s`.
    case duration(nanoseconds: Int)
}

/// `churn`'s operation mix: relative weights, at least 0, not all 0.
public struct Mix: Sendable, Codable, Equatable {
    /// Weight of filling an empty slot with malloc.
    public var malloc: Double
    /// Weight of reallocating a full slot to a new size instead of freeing it.
    public var realloc: Double
    /// Weight of filling an empty slot with calloc.
    public var calloc: Double
    /// Weight of filling an empty slot with memalign.
    public var memalign: Double

    /// A mix; the default is malloc only.
    public init(malloc: Double = 1, realloc: Double = 0, calloc: Double = 0, memalign: Double = 0) {
        self.malloc = malloc
        self.realloc = realloc
        self.calloc = calloc
        self.memalign = memalign
    }

    /// The mix's keys, for suggestions.
    public static let keys = ["malloc", "realloc", "calloc", "memalign"]
}

/// `churn`: repeatedly pick one of the worker's `live` slots at random; a full slot is
/// freed (or reallocated, by the mix's realloc weight), an empty one filled by malloc,
/// calloc or memalign by the mix's weights.
public struct ChurnSpec: Sendable, Codable, Equatable {
    /// How long the phase runs.
    public var length: PhaseLength
    /// Slots per worker.
    public var live: Int
    /// The size of each allocation.
    public var size: SizeDistribution
    /// Which operations, by weight. Default malloc only.
    public var mix: Mix
    /// The share of frees handed to another worker, which frees the block, 0...1.
    /// Default 0.
    public var remoteFree: Double
    /// YAML `rounds: N` (with `ops` only): the ops split into N rounds; after each round
    /// but the last, every worker's thread exits and a new thread takes its slots over,
    /// freeing and replacing its predecessor's blocks (larson's successor threads).
    /// Nil: one round, one thread.
    public var rounds: Int?

    /// A churn phase's options.
    public init(length: PhaseLength, live: Int, size: SizeDistribution, mix: Mix = Mix(), remoteFree: Double = 0, rounds: Int? = nil) {
        self.length = length
        self.live = live
        self.size = size
        self.mix = mix
        self.remoteFree = remoteFree
        self.rounds = rounds
    }
}

/// `handoff`: the workers split into producers, which only allocate, and consumers,
/// which only free, passing blocks in batches.
public struct HandoffSpec: Sendable, Codable, Equatable {
    /// The default number of blocks passed at a time.
    public static let defaultBatch = 4096

    /// How long the phase runs.
    public var length: PhaseLength
    /// The fraction of the workers that produce, strictly between 0 and 1. Default 0.5.
    public var producers: Double
    /// Blocks passed at a time. Default 4096.
    public var batch: Int
    /// The size of each allocation.
    public var size: SizeDistribution

    /// A handoff phase's options.
    public init(length: PhaseLength, producers: Double = 0.5, batch: Int = HandoffSpec.defaultBatch, size: SizeDistribution) {
        self.length = length
        self.producers = producers
        self.batch = batch
        self.size = size
    }
}
