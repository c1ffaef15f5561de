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

    /// A valid file whose run needs more than any machine gives before its first op
    /// (`# needs:` in `Malformed/`): refused at the key responsible, saying what it would
    /// need and what there is.
    @Test func whatNoMachineGivesIsRefusedAtTheKeyResponsible() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.malformed).filter { $0.hasPrefix("needs-") }.sorted()
        #expect(files.count >= 4)
        for name in files {
            let path = Self.malformed + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let needs = try #require(text.split(separator: "\n").first { $0.hasPrefix("# needs: ") }?.dropFirst("# needs: ".count))
            let result = try TestSupport.run(Self.arenastress, ["validate", path])
            #expect(result.status == 2, "\(name): exit \(result.status)")
            #expect(result.err.hasPrefix("\(path):\(needs)"), "\(name): \(result.err)")
            #expect(result.err.contains(" bytes") && result.err.contains("this machine has "), "\(name): \(result.err)")
            #expect(result.err.split(separator: "\n").count == 1, "\(name): \(result.err)")
        }
    }

    /// Flags that take numbers and lists: empty, zero, negative, huge or unknown values
    /// are refused with one line and exit 2, and nothing runs.
    @Test func badFlagValuesAreRefused() throws {
        let reports = try TestSupport.scratchDirectory() + "/reports"
        let scenario = TestSupport.packageRoot + "/Scenarios/message-pool.yaml"
        let sweep = ["sweep", scenario, "--reports", reports]
        let cases: [[String]] = [
            sweep + ["--threads", ","], sweep + ["--threads", ""], sweep + ["--threads", "0"], sweep + ["--threads=-1"],
            sweep + ["--threads", "1,,2"], sweep + ["--threads", "99999999999999999999"], sweep + ["--threads", "2000"],
            sweep + ["--threads", "two"], sweep + ["--arenas", ""], sweep + ["--arenas", "glibc,bogus"], sweep + ["--arenas", ","],
            sweep + ["--arena-max", "x"], sweep + ["--arena-max", "1,"], sweep + ["--arena-max", "70000"],
            ["run", scenario, "--reports", ""], ["run", scenario, "--reports", reports, "--junit", ""],
            ["bench", "--reps", "0"], ["bench", "--reps", "100000000"], ["bench", "--ops", "0"], ["bench", "--ops", "10000000000"],
            ["bench", "--workload", "check-walk", "--ops", "500000000"],
            ["bench", "--single", "lock-contended", "--target", "model"],
            ["trace-gen", "--kind", "random", "--ops", "9223372036854775807", "-o", reports + "/t.trace"],
            ["fidelity", "--traces", "-1"], ["fidelity", "--ops", "9223372036854775807"],
            ["fidelity", "--traces", "2", "--seed", "18446744073709551615"],
        ]
        for arguments in cases {
            let result = try TestSupport.run(Self.arenastress, arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status)\n\(result.err)")
            #expect(result.err.hasPrefix("arenastress: "), "\(arguments): \(result.err)")
            #expect(result.err.split(separator: "\n").count == 1, "\(arguments): \(result.err)")
            #expect(result.out.isEmpty, "\(arguments) printed: \(result.out)")
        }
        #expect(!FileManager.default.fileExists(atPath: reports), "a refused command wrote under \(reports)")
    }

    /// A report whose scenario was edited is checked as its file would be: one line per
    /// problem at the report's `scenario` key, the field named, exit 2, nothing run.
    @Test func replayRefusesAnEditedReport() throws {
        let directory = try TestSupport.scratchDirectory()
        let run = try TestSupport.run(Self.arenastress, ["run", "--quiet", TestSupport.packageRoot + "/Scenarios/message-pool.yaml",
                                                         "--reports", directory + "/first"])
        #expect(run.status == 0, "\(run.err)")
        let line = try #require(run.out.split(separator: "\n").last { $0.hasPrefix("report: ") })
        let report = try String(contentsOfFile: String(line.dropFirst("report: ".count)), encoding: .utf8)
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false)
        let scenarioLine = try #require(lines.firstIndex { $0.hasPrefix("  \"scenario\"") }) + 1
        // The thread counts are the only "counts" list in a report: set them to 0.
        let edited = try #require(report.range(of: #""counts" : \[\s*\d+"#, options: .regularExpression))
        let path = try TestSupport.file(report.replacingCharacters(in: edited, with: "\"counts\" : [ 0"), in: directory, named: "edited.json")
        let replay = try TestSupport.run(Self.arenastress, ["replay", path, "--reports", directory + "/again"])
        #expect(replay.status == 2, "\(replay.out)\(replay.err)")
        #expect(replay.err == "\(path):\(scenarioLine):3: scenario: threads.count[0]: must be at least 1, found 0\n")
        #expect(!FileManager.default.fileExists(atPath: directory + "/again"))
    }

    /// A report edited to a value a file may hold but the run never sees (a pow2 bound
    /// that is no power of two: the validator rounds it inwards) runs as the file would.
    @Test func replayRunsTheScenarioAsValidated() throws {
        let directory = try TestSupport.scratchDirectory()
        let scenario = try TestSupport.file("""
            name: pow2
            phases:
              - name: fill
                allocate: {count: 200, size: {pow2: [16, 64k]}}
            """, in: directory, named: "pow2.yaml")
        let run = try TestSupport.run(Self.arenastress, ["run", "--quiet", scenario, "--reports", directory + "/first"])
        #expect(run.status == 0, "\(run.err)")
        let line = try #require(run.out.split(separator: "\n").last { $0.hasPrefix("report: ") })
        let report = try String(contentsOfFile: String(line.dropFirst("report: ".count)), encoding: .utf8)
        let bound = try #require(report.range(of: #""max" : 65536"#))
        let path = try TestSupport.file(report.replacingCharacters(in: bound, with: "\"max\" : 131071"), in: directory, named: "edited.json")
        let replay = try TestSupport.run(Self.arenastress, ["replay", path, "--quiet", "--reports", directory + "/again"])
        #expect(replay.status == 0, "\(replay.out)\(replay.err)")
        #expect(replay.out.contains("ops and violations the same"), "\(replay.out)")
    }

    /// An injection the tunables leave no room for (a tcache attack without a tcache,
    /// a fastbin attack without fastbins) is refused by validate, as run would fail it.
    @Test func anInjectionTheTunablesRuleOutIsRefused() throws {
        let directory = try TestSupport.scratchDirectory()
        for (tunables, kind) in [("tcache_count: 0", "tcache-poisoning"), ("mxfast: 0", "fastbin-dup"),
                                 ("{tcache_count: 0, mxfast: 0}", "house-of-spirit")] {
            let body = tunables.hasPrefix("{") ? tunables : "{\(tunables)}"
            let path = try TestSupport.file("name: off\ntunables: \(body)\nphases:\n  - name: a\n    allocate: {count: 10, size: 64}\n  - name: attack\n    inject: {kind: \(kind)}\n",
                                            in: directory, named: "\(kind).yaml")
            let result = try TestSupport.run(Self.arenastress, ["validate", path])
            #expect(result.status == 2, "\(kind): \(result.out)\(result.err)")
            #expect(result.err.hasPrefix("\(path):6:5: phases.attack: inject \(kind) needs the "), "\(result.err)")
        }
        let fine = try TestSupport.file("name: on\ntunables: {tcache_count: 0}\nphases:\n  - name: a\n    allocate: {count: 10, size: 64}\n  - name: attack\n    inject: {kind: fastbin-dup}\n",
                                        in: directory, named: "fine.yaml")
        #expect(try TestSupport.run(Self.arenastress, ["validate", fine]).status == 0)
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
