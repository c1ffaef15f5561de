import ArenaModel
import Foundation

/// Runs `glibc-replay` (the package's C executable) on a trace file: the trace on this
/// machine's glibc malloc, in a fresh process.
///
/// The process gets no malloc settings from the environment (`GLIBC_TUNABLES`,
/// `MALLOC_*`, `LD_PRELOAD`) but the tunables it is given, as `GLIBC_TUNABLES`, so that
/// its glibc decides with the settings the model is given.
public struct GlibcReplayer: Sendable {
    /// The glibc-replay executable.
    public let path: String

    /// The replayer at `path`, taken as it is (see `locate` for one that is checked).
    public init(path: String) {
        self.path = path
    }

    /// glibc-replay at `explicitPath`, else beside the running executable (SwiftPM puts
    /// every product of a build, test bundles too, in one directory).
    public static func locate(_ explicitPath: String? = nil) throws(FidelityError) -> GlibcReplayer {
        let path = explicitPath ?? URL(fileURLWithPath: currentExecutable()).deletingLastPathComponent()
            .appendingPathComponent("glibc-replay").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw FidelityError("no glibc-replay executable at \(path): build the package first (swift build)")
        }
        return GlibcReplayer(path: path)
    }

    /// The results of every op of the trace at `tracePath`, each followed by the `heap`
    /// results of the non-main heaps it changed. Throws `TraceError` where
    /// glibc-replay finds the trace bad (an op after its thread's exit, say), else `FidelityError`.
    public func replay(_ tracePath: String, tunables: Tunables = Tunables()) throws -> [ReplayResult] {
        let output = try run(tracePath, tunables: tunables)
        var results: [ReplayResult] = []
        results.reserveCapacity(output.count / 8)
        let unexpected: String? = output.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0a { end += 1 }
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                guard let result = ReplayResult(line: line) else {
                    return "glibc-replay: unexpected output after \(results.count) ops: \(String(decoding: line, as: UTF8.self))"
                }
                results.append(result)
                start = end + 1
            }
            return nil
        }
        if let unexpected { throw FidelityError(unexpected) }
        return results
    }

    /// glibc's bins after op `index` (0-based) of the trace at `tracePath`.
    public func bins(_ tracePath: String, after index: Int, tunables: Tunables = Tunables()) throws -> BinSnapshot {
        let output = try run(tracePath, ["--dump-after", String(index)], tunables: tunables)
        let dumpLines = String(decoding: output, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("dump ") }
        return BinSnapshot(dumpLines: dumpLines.map(String.init))
    }

    /// Runs glibc-replay on the trace at `tracePath` (more `arguments` after it) and
    /// returns its standard output, or throws what it said on standard error if it
    /// failed. The child writes to temporary files opened in the child only: a pipe's
    /// end could leak into a process another thread spawns meanwhile and hold the pipe
    /// open. (posix_spawn and waitpid: Process polls for the exit.)
    /// `preload`, if given, is the child's LD_PRELOAD (a peer allocator for `--measure`).
    func run(_ tracePath: String, _ arguments: [String] = [], tunables: Tunables, preload: String? = nil) throws -> [UInt8] {
        let scratch = NSTemporaryDirectory() + "glibc-replay-\(getpid())-\(UUID().uuidString)"
        let outPath = scratch + ".out", errPath = scratch + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let environment = ProcessInfo.processInfo.environment
            .filter { key, _ in key != "GLIBC_TUNABLES" && key != "GLIBC_REPLAY_TUNED" && key != "LD_PRELOAD" && !key.hasPrefix("MALLOC_") }
            .map { "\($0)=\($1)" } + (tunables.glibcTunables.map { ["GLIBC_TUNABLES=\($0)"] } ?? [])
            // These tunables, the trace's and the overrides: glibc-replay must not apply the trace's again.
            + ["GLIBC_REPLAY_TUNED=1"] + (preload.map { ["LD_PRELOAD=\($0)"] } ?? [])
        let argv = ([path, tracePath] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw FidelityError("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status == 0 { return GlibcReplayer.contents(outPath) }
        let said = String(decoding: GlibcReplayer.contents(errPath), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // The wait status: the exit code in bits 8-15, or the signal in bits 0-6.
        let code = status & 0x7f == 0 ? status >> 8 & 0xff : -1
        if code == 2, let error = GlibcReplayer.traceError(said, tracePath) { throw error }
        let how = code >= 0 ? "exit status \(code)" : "signal \(status & 0x7f)"
        throw FidelityError("glibc-replay failed (\(how))\(said.isEmpty ? "" : ": " + said)")
    }

    /// glibc-replay's `TRACE:LINE:COLUMN: message` about the trace at `path`, if it is one.
    private static func traceError(_ said: String, _ path: String) -> TraceError? {
        guard said.hasPrefix(path + ":") else { return nil }
        let rest = said.dropFirst(path.count + 1).split(separator: ":", maxSplits: 2)
        guard rest.count == 3, let line = Int(rest[0]), let column = Int(rest[1]), rest[2].hasPrefix(" ") else { return nil }
        return TraceError(path: path, line: line, column: column, message: String(rest[2].dropFirst()))
    }

    private static func contents(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += chunk[..<n]
            } else if n == 0 || errno != EINTR {
                return bytes
            }
        }
    }

    private static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
