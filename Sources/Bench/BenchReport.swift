import Foundation

/// The result of one `arenastress bench` run, as written to `Reports/bench/latest.json`.
public struct BenchReport: Codable {
    /// The version of this shape; bumped when a field changes meaning or goes away.
    var schema = 1
    /// What `ns_per_op` counts.
    var unit = "ns per malloc+free pair"
    /// When the run ended, ISO 8601 in UTC.
    public var created: String
    /// Timed repetitions per row, after one warm-up repetition.
    public var reps: Int
    public var machine: Machine
    public var rows: [Row]

    /// A report of `rows`, measured with `reps` repetitions on `machine`, ending at `created`.
    public init(created: String, reps: Int, machine: Machine, rows: [Row]) {
        self.created = created
        self.reps = reps
        self.machine = machine
        self.rows = rows
    }

    /// Where the figures were made.
    public struct Machine: Codable {
        /// Cores this process may run on.
        var cores: Int
        var arch: String
        /// The kernel release, as `uname -r` prints it.
        var kernel: String
        /// The version of the glibc the process runs with: the peer measured.
        var glibc: String

        /// The machine this process runs on.
        public static func current() -> Machine {
            var names = utsname()
            uname(&names)
            return Machine(
                cores: ProcessInfo.processInfo.activeProcessorCount,
                arch: field(&names.machine),
                kernel: field(&names.release),
                glibc: libcVersion())
        }

        private static func libcVersion() -> String {
            var buffer = [CChar](repeating: 0, count: 64)
            let length = confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count)
            guard length > 0 else { return "unknown" }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return text.hasPrefix("glibc ") ? String(text.dropFirst(6)) : text
        }

        private static func field<T>(_ tuple: inout T) -> String {
            withUnsafeBytes(of: &tuple) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
    }

    /// One workload on one target.
    public struct Row: Codable {
        public var workload: String
        public var target: String
        var threads: Int
        /// malloc+free pairs in one repetition.
        var ops: Int
        public var nsPerOp: Spread
        /// This row's median over glibc's for the same workload; nil when glibc did not run.
        var ratioToGlibc: Double?
        /// Kernel requests in one repetition; nil when the target cannot tell.
        var osRequests: Int?
        /// The pointer checksum of the last repetition, in hex: JSON readers that hold
        /// numbers as doubles would round a 64-bit value.
        var checksum: String
        /// Lock rows: this row's median over the plain pthread mutex's, same run.
        var ratioToPlain: Double? = nil
        /// Rows of the instrumented lock: contended acquisitions over all acquisitions.
        var contentionRate: Double? = nil

        enum CodingKeys: String, CodingKey {
            case workload, target, threads, ops
            case nsPerOp = "ns_per_op"
            case ratioToGlibc = "ratio_to_glibc"
            case osRequests = "os_requests"
            case checksum
            case ratioToPlain = "ratio_to_plain"
            case contentionRate = "contention_rate"
        }

        // Written by hand so an unknown value is an explicit null, not a missing key.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(workload, forKey: .workload)
            try c.encode(target, forKey: .target)
            try c.encode(threads, forKey: .threads)
            try c.encode(ops, forKey: .ops)
            try c.encode(nsPerOp, forKey: .nsPerOp)
            try c.encode(ratioToGlibc, forKey: .ratioToGlibc)
            try c.encode(osRequests, forKey: .osRequests)
            try c.encode(checksum, forKey: .checksum)
            try c.encodeIfPresent(ratioToPlain, forKey: .ratioToPlain)
            try c.encodeIfPresent(contentionRate, forKey: .contentionRate)
        }
    }

    /// The median, minimum and maximum of the timed repetitions.
    public struct Spread: Codable {
        public var median: Double
        var min: Double
        var max: Double

        /// The spread of `samples`, which must not be empty, rounded to picoseconds.
        init(_ samples: [Double]) {
            let sorted = samples.sorted()
            let mid = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
            self.median = Self.rounded(median)
            self.min = Self.rounded(sorted[0])
            self.max = Self.rounded(sorted[sorted.count - 1])
        }

        private static func rounded(_ ns: Double) -> Double {
            (ns * 1000).rounded() / 1000
        }
    }

    /// Writes the report as JSON to `path`, creating its directory; a reader never
    /// sees a half-written file, because the bytes go to a temporary file first that
    /// then replaces `path` in one rename.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self) + Data("\n".utf8)

        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try data.write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw BenchError("cannot write \(path): \(reason)")
        }
    }
}
