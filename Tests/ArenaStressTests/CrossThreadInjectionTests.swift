import Foundation
import TestSupport
import Testing

/// A corruption kind that attacks one thread's tcache through another's needs two
/// worker threads: validate refuses it where a sweep point runs one, at the phase's
/// place in the file, as run would fail it; with two it runs and is detected.
@Suite struct CrossThreadInjectionTests {
    static let kinds = ["cross-thread-double-free", "remote-tcache-write"]

    static func scenario(_ kind: String, threads: String) -> String {
        "name: x\nthreads: {count: \(threads)}\nphases:\n  - name: a\n    churn: {ops: 2000, live: 50, size: {uniform: [16, 1000]}}\n"
            + "  - name: attack\n    inject: {kind: \(kind)}\nexpect:\n  violations: {detected: \(kind)}\n"
    }

    @Test(arguments: kinds)
    func aCrossThreadKindOnOneThreadIsRefused(_ kind: String) throws {
        let directory = try TestSupport.scratchDirectory()
        for threads in ["1", "[1, 2]"] {
            let path = try TestSupport.file(Self.scenario(kind, threads: threads), in: directory, named: "\(kind).yaml")
            let result = try TestSupport.run(CommandLineTests.arenastress, ["validate", path])
            #expect(result.status == 2, "\(kind), threads \(threads): \(result.out)\(result.err)")
            #expect(result.err == "\(path):6:5: phases.attack: inject \(kind) needs at least 2 threads (one thread's tcache attacked through another's), "
                    + "but threads.count runs 1\n", "\(result.err)")
        }
    }

    @Test(arguments: kinds)
    func aCrossThreadKindWithoutATcacheIsRefused(_ kind: String) throws {
        let directory = try TestSupport.scratchDirectory()
        let text = Self.scenario(kind, threads: "2").replacingOccurrences(of: "threads:", with: "tunables: {tcache_count: 0}\nthreads:")
        let path = try TestSupport.file(text, in: directory, named: "\(kind).yaml")
        let result = try TestSupport.run(CommandLineTests.arenastress, ["validate", path])
        #expect(result.status == 2, "\(result.out)\(result.err)")
        #expect(result.err.hasPrefix("\(path):7:5: phases.attack: inject \(kind) needs the tcache, "), "\(result.err)")
    }

    @Test(arguments: kinds)
    func aCrossThreadKindOnTwoThreadsRunsAndIsDetected(_ kind: String) throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(Self.scenario(kind, threads: "[2, 3]"), in: directory, named: "\(kind).yaml")
        #expect(try TestSupport.run(CommandLineTests.arenastress, ["validate", path]).status == 0)
        let run = try TestSupport.run(CommandLineTests.arenastress, ["run", "--quiet", path, "--reports", directory + "/reports"])
        #expect(run.status == 0, "\(run.out)\(run.err)")
    }
}
