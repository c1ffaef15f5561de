import Foundation
import Glibc

/// The `arenastress` binary run on one input, in a process group of its own, killed
/// (the whole group) when it outlives its time limit.
struct ChildProcess {
    /// How a child ended.
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Killed at the time limit.
        case timedOut
        /// posix_spawn itself failed (an errno): the fuzzer's problem, not the binary's.
        case notStarted(Int32)
    }

    /// What a child did: how it ended, what it wrote, how long it took.
    struct Outcome {
        var ending: Ending
        var stdout: [UInt8]
        var stderr: [UInt8]
        var seconds: Double
    }

    /// The group of the child running now, for the interrupt handler (0: none).
    nonisolated(unsafe) static var runningGroup: pid_t = 0

    /// Kills the running child's group when the fuzzer is interrupted, then dies of the
    /// same signal: no child outlives a ^C.
    static func killChildrenOnInterrupt() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { received in
                if ChildProcess.runningGroup > 0 { kill(-ChildProcess.runningGroup, SIGKILL) }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    /// Runs `executable` with `arguments` in `directory`, its output into files there;
    /// after `limit` seconds the group is killed. `environment` is added to the fuzzer's.
    static func run(_ executable: String, _ arguments: [String], in directory: String, limit: Double,
                    environment: [String: String]) -> Outcome {
        let outPath = directory + "/.stdout", errPath = directory + "/.stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The child starts in `directory`: whatever it writes where no path says (the
        // default Reports/, say) lands in the scratch folder.
        let started = monotonicSeconds()
        var pid: pid_t = 0
        let here = FileManager.default.currentDirectoryPath
        chdir(directory)
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        chdir(here)
        guard spawned == 0 else { return Outcome(ending: .notStarted(spawned), stdout: [], stderr: [], seconds: 0) }
        runningGroup = pid

        var status: Int32 = 0
        var ending: Ending?
        while ending == nil {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                // The wait status: the exit code in bits 8-15, or the signal in bits 0-6.
                ending = status & 0x7f == 0 ? .exited(status >> 8 & 0xff) : .signalled(status & 0x7f)
            } else if r < 0 && errno != EINTR {
                ending = .notStarted(errno)
            } else if monotonicSeconds() - started > limit {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                ending = .timedOut
            } else {
                usleep(5_000)
            }
        }
        // Whatever the child started (glibc-replay, say) goes with it.
        kill(-pid, SIGKILL)
        runningGroup = 0
        return Outcome(ending: ending!, stdout: contents(outPath), stderr: contents(errPath), seconds: monotonicSeconds() - started)
    }

    static func contents(_ path: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The signal's name as a person knows it (SIGSEGV), or its number.
    static func signalName(_ s: Int32) -> String {
        let names: [Int32: String] = [SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
                                      SIGSEGV: "SIGSEGV", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGPIPE: "SIGPIPE", SIGXCPU: "SIGXCPU"]
        return names[s] ?? "signal \(s)"
    }
}
