import Foundation

/// jemalloc's shared object uses initial-exec TLS, which dlopen can place only if
/// glibc reserves static TLS for it, and glibc reads that setting once, at start-up.
/// So a command that will load jemalloc re-executes itself with the setting added to
/// GLIBC_TUNABLES; without it, jemalloc is reported as not loadable and skipped.
enum Reexec {
    static let tunable = "glibc.rtld.optional_static_tls"
    static let setting = "\(tunable)=16384"

    /// Re-executes this process with the setting when the command will load jemalloc
    /// and the environment lacks it; returns when nothing needs doing or exec fails.
    static func forJemallocIfNeeded() {
        let arguments = CommandLine.arguments
        let current = ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] ?? ""
        guard !current.contains(tunable), arguments.count > 1, loadsJemalloc(arguments[1], Array(arguments.dropFirst(2))) else { return }
        setenv("GLIBC_TUNABLES", current.isEmpty ? setting : current + ":" + setting, 1)
        var argv = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
    }

    /// Whether `command` with `arguments` will load jemalloc: `--target` names it (or
    /// `all`); without `--target`, bench runs every target, and a scenario or report
    /// file given to run, sweep, validate or replay names it.
    static func loadsJemalloc(_ command: String, _ arguments: [String]) -> Bool {
        guard ["run", "sweep", "validate", "replay", "bench"].contains(command) else { return false }
        var target: String?
        for (i, argument) in arguments.enumerated() {
            if argument == "--target", i + 1 < arguments.count { target = arguments[i + 1] }
            if argument.hasPrefix("--target=") { target = String(argument.dropFirst("--target=".count)) }
        }
        if let target { return target.split(separator: ",").contains { $0 == "all" || $0 == "jemalloc" } }
        if command == "bench" { return !arguments.contains("--single") }
        return arguments.contains { !$0.hasPrefix("-") && ((try? String(contentsOfFile: $0, encoding: .utf8))?.contains("jemalloc") ?? false) }
    }
}
