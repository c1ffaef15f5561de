import Foundation
import Reporting
import TestSupport
import Testing

/// `arenastress run`, `validate`, `replay` and `list` as a user runs them.
@Suite struct CommandLineTests {
    static var arenastress: String { TestSupport.product("arenastress") }
    static var malformed: String { TestSupport.packageRoot + "/Tests/ScenarioTests/Malformed" }

    /// Every malformed file: exit 2, only `file:line:column: message` lines, and no report.
    @Test func badInputIsRefusedWithLocatedLinesAndNothingWritten() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.malformed).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count >= 20)
        let reports = try TestSupport.scratchDirectory() + "/reports"
        for name in files {
            let path = Self.malformed + "/" + name
            for command in ["run", "validate"] {
                let result = try TestSupport.run(Self.arenastress, command == "run" ? ["run", path, "--reports", reports] : ["validate", path])
                #expect(result.status == 2, "\(command) \(name): exit \(result.status)")
                #expect(result.out.isEmpty, "\(command) \(name) printed on stdout: \(result.out)")
                let lines = result.err.split(separator: "\n")
                #expect(!lines.isEmpty, "\(name): no message")
                for line in lines {
                    #expect(line.range(of: #"^[^:]+\.yaml:[0-9]+:[0-9]+: \S"#, options: .regularExpression) != nil, "\(name): '\(line)'")
                }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: reports), "a refused run wrote under \(reports)")
    }

    /// One bad file among good ones: nothing runs.
    @Test func oneBadFileStopsEveryRun() throws {
        let reports = try TestSupport.scratchDirectory() + "/reports"
        let good = TestSupport.packageRoot + "/Scenarios/message-pool.yaml"
        let result = try TestSupport.run(Self.arenastress, ["run", good, Self.malformed + "/unknown-key.yaml", "--reports", reports])
        #expect(result.status == 2)
        #expect(!FileManager.default.fileExists(atPath: reports))
    }

    @Test func aMissingFileIsBadInputToo() throws {
        let result = try TestSupport.run(Self.arenastress, ["validate", "/nonexistent/x.yaml"])
        #expect(result.status == 2)
        #expect(result.err.hasPrefix("/nonexistent/x.yaml:1:1: "))
    }

    @Test func whatATargetCannotRunIsRefusedBeforeRunning() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("name: peer\ntarget: glibc\nphases:\n  - name: a\n    allocate: {count: 1, size: 8}\n  - name: b\n    inject: {kind: fastbin-dup}\n",
                                        in: directory, named: "peer.yaml")
        let result = try TestSupport.run(Self.arenastress, ["run", path, "--reports", directory + "/reports"])
        #expect(result.status == 2)
        #expect(result.err.hasPrefix("\(path):"))
        #expect(result.err.contains("inject needs target model"))
    }

    /// A run writes its report where it says; replay runs it again and finds the same.
    @Test func runWritesAReportAndReplayRepeatsIt() throws {
        let reports = try TestSupport.scratchDirectory() + "/reports"
        let scenario = TestSupport.packageRoot + "/Scenarios/swiss-cheese.yaml"
        let run = try TestSupport.run(Self.arenastress, ["run", "--quiet", scenario, "--reports", reports])
        #expect(run.status == 0, "\(run.err)")
        let line = try #require(run.out.split(separator: "\n").last { $0.hasPrefix("report: ") })
        let path = String(line.dropFirst("report: ".count))
        #expect(path.hasPrefix(reports + "/swiss-cheese/"))
        let report = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(report.passed)
        #expect(report.points[0].phases.map(\.name) == ["fill", "free-90", "trim"])

        let replay = try TestSupport.run(Self.arenastress, ["replay", path, "--quiet", "--reports", reports])
        #expect(replay.status == 0, "\(replay.err)")
        #expect(replay.out.contains("ops and violations the same"))
    }

    /// A report of several targets: replay runs each target again.
    @Test func replayRepeatsEveryTargetOfAReport() throws {
        let dir = try TestSupport.scratchDirectory()
        let scenario = dir + "/two.yaml"
        try """
            name: two-targets
            phases:
              - name: fill
                allocate: {count: 2000, size: {uniform: [16, 512]}}
              - name: empty
                free: {fraction: 1.0}
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try TestSupport.run(Self.arenastress, ["run", "--quiet", scenario, "--target", "model,glibc", "--reports", dir + "/reports"])
        #expect(run.status == 0, "\(run.err)")
        let line = try #require(run.out.split(separator: "\n").last { $0.hasPrefix("report: ") })
        let replay = try TestSupport.run(Self.arenastress, ["replay", String(line.dropFirst("report: ".count)), "--quiet", "--reports", dir + "/reports"])
        #expect(replay.status == 0, "\(replay.err)")
        for target in ["model", "glibc"] {
            #expect(replay.out.contains("replay \(target), 1 threads, glibc: ops and violations the same"), "\(replay.out)")
        }
    }

    @Test func aFailedExpectationExitsOne() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("""
            name: too-strict
            description: expects fewer kernel requests than a 1 MiB block needs
            phases:
              - name: big
                allocate: {count: 3, size: 1m}
            expect:
              os_requests: {max: 1}
            """, in: directory, named: "strict.yaml")
        let result = try TestSupport.run(Self.arenastress, ["run", path, "--reports", directory + "/reports"])
        #expect(result.status == 1)
        #expect(result.out.contains("FAILED os_requests <= 1"))
        #expect(result.out.contains("(\(path):7:"))
    }

    @Test func jsonPrintsTheReportOnStandardOutput() throws {
        let directory = try TestSupport.scratchDirectory()
        let result = try TestSupport.run(Self.arenastress, ["run", "--json", TestSupport.packageRoot + "/Scenarios/message-pool.yaml", "--reports", directory])
        #expect(result.status == 0)
        let report = try RunReport.decode(Data(result.out.utf8))
        #expect(report.scenario.name == "message-pool")
        #expect(result.err.contains("report: "))
    }

    @Test func listShowsEveryScenarioWithItsDescription() throws {
        let result = try TestSupport.run(Self.arenastress, ["list", "--directory", TestSupport.packageRoot + "/Scenarios"])
        #expect(result.status == 0)
        for name in ["swiss-cheese", "million-malloc", "message-pool", "arena-contention", "corrupt-fastbin-dup"] {
            #expect(result.out.contains("\n\(name) ") || result.out.hasPrefix("\(name) "), "\(name) missing from list")
        }
        #expect(!result.out.contains("(invalid"))
    }
}
