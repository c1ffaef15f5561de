import ArgumentParser
import Foundation

/// `arenastress record`: runs a program with the recording library preloaded
/// (Sources/ArenaRecord/record.c), which writes a trace of its malloc calls.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run a program and write a trace of its malloc calls (the format replay-trace reads).",
        usage: "arenastress record [-o FILE] [--callers] [--all-processes] -- COMMAND [ARGS...]",
        discussion: """
            Preloads libarenastress-record.so (built beside this executable by make build or \
            make release) into COMMAND. Every call of malloc, free, calloc, realloc, \
            reallocarray, memalign, posix_memalign, aligned_alloc, valloc, pvalloc and \
            malloc_trim becomes a line, threads numbered in the order of their first call, in \
            the order the calls completed (they are serialized). A free of a block allocated \
            before recording started is skipped and counted in a closing comment. A forked \
            child is recorded only with --all-processes, in FILE.PID; a new image after exec \
            gets a trace of its own, FILE.PID. Exit status: COMMAND's (128 + N if signal N ended it).
            """)

    static let libraryName = "libarenastress-record.so"

    @Option(name: .short, help: "The trace to write (default: COMMAND's name with .trace, in this directory).")
    var output: String?

    @Flag(help: "Also write each call's return address, resolved to symbol+offset, to FILE.callers.")
    var callers = false

    @Flag(help: "Record forked children and the other programs COMMAND starts too, each in FILE.PID.")
    var allProcesses = false

    @Option(help: "The preload library (default: \(libraryName) beside this executable).")
    var library: String?

    @Argument(parsing: .postTerminator, help: "The program and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("record: expected -- COMMAND [ARGS...]") }
        if output == "" { throw ValidationError("-o: expected a file name") }
    }

    func run() throws {
        let libraryPath = library ?? URL(fileURLWithPath: Self.currentExecutable()).deletingLastPathComponent()
            .appendingPathComponent(Self.libraryName).path
        guard access(libraryPath, R_OK) == 0 else {
            try TraceCommands.fail("arenastress: no recording library at \(libraryPath): build it with make build (or make release)", status: 2)
        }
        let file = Self.absolute(output ?? (URL(fileURLWithPath: command[0]).lastPathComponent + ".trace"))
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        guard access(directory, W_OK | X_OK) == 0 else {
            try TraceCommands.fail("arenastress: cannot write a trace in \(directory): \(String(cString: strerror(errno)))", status: 2)
        }
        // The first image of the program creates the file afresh (O_EXCL).
        for stale in [file, file + ".callers"] where unlink(stale) != 0 && errno != ENOENT {
            try TraceCommands.fail("arenastress: cannot replace \(stale): \(String(cString: strerror(errno)))", status: 2)
        }
        let started = Date()
        let status = try Self.runPreloaded(command, library: Self.absolute(libraryPath), environment: [
            "ARENASTRESS_RECORD_FILE": file,
            "ARENASTRESS_RECORD_PARENT": String(getpid()),
            "ARENASTRESS_RECORD_ALL": allProcesses ? "1" : "0",
            "ARENASTRESS_RECORD_CALLERS": callers ? "1" : "0",
        ])
        let traces = RecordedTraces.files(of: file, since: started)
        if traces.isEmpty {
            FileHandle.standardError.write(Data("arenastress: no trace written (\(command[0]) made no malloc call, or could not write \(file))\n".utf8))
        }
        for trace in traces {
            var line = "arenastress: trace in \(trace): \(RecordedTraces.summary(of: trace))"
            if callers, FileManager.default.fileExists(atPath: trace + ".callers") { line += "; callers in \(trace).callers" }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs `command` with `library` first in LD_PRELOAD and `environment` added; returns
    /// its exit status (128 + N for signal N). Interrupts go to the program alone.
    static func runPreloaded(_ command: [String], library: String, environment: [String: String]) throws -> Int32 {
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        variables["LD_PRELOAD"] = [library, variables["LD_PRELOAD"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        let argv = command.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let failure = posix_spawnp(&pid, command[0], nil, nil, argv, envp)
        if failure != 0 {
            try TraceCommands.fail("arenastress: cannot run \(command[0]): \(String(cString: strerror(failure)))", status: 127)
        }
        let interrupt = signal(SIGINT, SIG_IGN), quit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, interrupt)
            signal(SIGQUIT, quit)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signalNumber = status & 0x7f
        return signalNumber == 0 ? (status >> 8) & 0xff : 128 + signalNumber
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
