import Foundation
import Glibc

/// What this machine gives a run, read once: memory, threads and address space, each
/// with where the figure comes from. `RunNeeds` is checked against it before anything
/// runs; tests make up their own, so that what they assert does not depend on the host.
public struct MachineLimits: Sendable, Equatable {
    /// One limit: how much, and where that figure comes from (for messages).
    public struct Limit: Sendable, Equatable {
        /// Bytes, or threads.
        public var value: Int
        /// Where the figure comes from, e.g. `MemAvailable of /proc/meminfo`.
        public var source: String

        /// A limit of `value` from `source`.
        public init(_ value: Int, _ source: String) {
            self.value = value
            self.source = source
        }
    }

    /// Memory a run may fill: the least of MemAvailable and what the cgroup's limit
    /// leaves. Nil when nothing says.
    public var memory: Limit?
    /// Threads the process may start: the least of RLIMIT_NPROC (not for root), the
    /// cgroup's pids.max and kernel.threads-max, less the threads this process has.
    public var threads: Limit?
    /// Address space the process may still map: the 47-bit user address space of
    /// x86-64 and arm64, or RLIMIT_AS when lower, less what is mapped already.
    public var addressSpace: Limit?

    /// Limits as given; nil for none.
    public init(memory: Limit? = nil, threads: Limit? = nil, addressSpace: Limit? = nil) {
        self.memory = memory
        self.threads = threads
        self.addressSpace = addressSpace
    }

    /// This machine, read on first use.
    public static let current = MachineLimits.read()

    /// The user address space of a 64-bit Linux process with 4-level page tables.
    static let userAddressSpace = 1 << 47

    /// This machine, read now.
    public static func read() -> MachineLimits {
        let status = Self.fields(of: "/proc/self/status")
        let cgroup = CgroupFiles()
        var limits = MachineLimits()

        let meminfo = Self.fields(of: "/proc/meminfo")
        if let available = meminfo["MemAvailable"].flatMap(Self.kibibytes) {
            let total = meminfo["MemTotal"].flatMap(Self.kibibytes).map { ", of MemTotal \(RunNeeds.short($0))" } ?? ""
            limits.memory = Limit(available, "MemAvailable in /proc/meminfo\(total)")
        }
        if let limit = cgroup.number("memory.max") ?? cgroup.number("memory.limit_in_bytes", v1: "memory") {
            let used = cgroup.number("memory.current") ?? cgroup.number("memory.usage_in_bytes", v1: "memory") ?? 0
            limits.memory = Self.least(limits.memory, Limit(max(limit - used, 0), "the cgroup's memory limit of \(RunNeeds.short(limit)), less \(RunNeeds.short(used)) in use"))
        }

        let own = status["Threads"].flatMap { Int($0) } ?? 1
        var threads: Limit?
        // RLIM_INFINITY is all ones.
        var rlimit = rlimit()
        if geteuid() != 0, getrlimit(__rlimit_resource_t(__RLIMIT_NPROC.rawValue), &rlimit) == 0, rlimit.rlim_cur != rlim_t.max,
           let n = Int(exactly: rlimit.rlim_cur) {
            threads = Limit(max(n - own, 0), "RLIMIT_NPROC \(n), less this process's \(own) threads")
        }
        if let max = cgroup.number("pids.max") ?? cgroup.number("pids.max", v1: "pids") {
            let current = cgroup.number("pids.current") ?? cgroup.number("pids.current", v1: "pids") ?? own
            threads = Self.least(threads, Limit(Swift.max(max - current, 0), "the cgroup's pids.max \(max), less \(current) in use"))
        }
        if let text = try? String(contentsOfFile: "/proc/sys/kernel/threads-max", encoding: .utf8),
           let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            threads = Self.least(threads, Limit(max(n - own, 0), "kernel.threads-max \(n), less this process's \(own) threads"))
        }
        limits.threads = threads

        let mapped = status["VmSize"].flatMap(Self.kibibytes) ?? 0
        var space = Limit(max(userAddressSpace - mapped, 0),
                          "the 47-bit user address space, less \(RunNeeds.short(mapped)) mapped")
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &rlimit) == 0, rlimit.rlim_cur != rlim_t.max,
           let n = Int(exactly: rlimit.rlim_cur) {
            space = Self.least(space, Limit(max(n - mapped, 0), "RLIMIT_AS \(RunNeeds.short(n)), less \(RunNeeds.short(mapped)) mapped"))!
        }
        limits.addressSpace = space
        return limits
    }

    private static func least(_ a: Limit?, _ b: Limit) -> Limit? {
        guard let a else { return b }
        return b.value < a.value ? b : a
    }

    /// `Key: value` lines of a /proc file, by key.
    private static func fields(of path: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// `123456 kB` in bytes.
    private static func kibibytes(_ text: String) -> Int? {
        guard let n = Int(text.split(separator: " ").first ?? "") else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: 1024)
        return overflow ? nil : bytes
    }
}

/// The files of this process's cgroup: v2 (one hierarchy) or v1 (one per controller).
private struct CgroupFiles {
    /// Per hierarchy (`""` for v2, else the v1 controller), the process's cgroup path.
    private var paths: [String: String] = [:]

    init() {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            for controller in parts[1].split(separator: ",") { paths[String(controller)] = String(parts[2]) }
            if parts[1].isEmpty { paths[""] = String(parts[2]) }
        }
    }

    /// The number in the cgroup file `name` (v2, or v1's `v1` controller): the
    /// process's own cgroup, else the hierarchy's root as mounted (a container's view).
    /// Nil for `max`, a figure no machine has (v1's unlimited), or no file.
    func number(_ name: String, v1: String? = nil) -> Int? {
        let key = v1 ?? ""
        guard let path = paths[key] else { return nil }
        let mount = v1.map { "/sys/fs/cgroup/\($0)" } ?? "/sys/fs/cgroup"
        for folder in [mount + path, mount] {
            guard let text = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) else { continue }
            guard let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), n < 1 << 60 else { return nil }
            return n
        }
        return nil
    }
}
