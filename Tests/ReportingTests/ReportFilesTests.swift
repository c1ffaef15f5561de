import ArenaStress
import Foundation
@testable import Reporting
import Scenario
import TestSupport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Every shipped scenario's report against the documented schema, and the files a run
/// writes: report.md, charts that parse as SVG and carry the data they claim, index.html,
/// `latest`, JUnit XML.
@Suite struct ReportFilesTests {
    static let root = TestSupport.packageRoot

    static func scenarios() throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: root + "/Scenarios").filter { $0.hasSuffix(".yaml") }.sorted()
            .map { root + "/Scenarios/" + $0 }
    }

    @Test func everyShippedScenarioReportMatchesTheSchema() throws {
        let validator = try SchemaValidator(schemaAt: Self.root + "/docs/report.schema.json")
        let files = try Self.scenarios()
        #expect(files.count >= 28)
        for file in files {
            let report = Runner(scenario: try ScenarioLoader.load(path: file)).run()
            let json = try JSONSerialization.jsonObject(with: report.json())
            let problems = validator.problems(in: json)
            #expect(problems.isEmpty, "\(file): \(problems.prefix(5))")
            #expect(report.passed, "\(file) failed: \(report.points.flatMap(\.expectations).filter { !$0.held })")
        }
    }

    /// The validator is not a rubber stamp: a report with a field of the wrong type, or
    /// one missing, is refused.
    @Test func theSchemaRefusesABrokenReport() throws {
        let validator = try SchemaValidator(schemaAt: Self.root + "/docs/report.schema.json")
        let scenario = try ScenarioLoader.parse("name: tiny\nphases:\n  - name: a\n    allocate: {count: 10, size: 64}\n", file: "tiny.yaml")
        var json = try JSONSerialization.jsonObject(with: Runner(scenario: scenario).run().json()) as! [String: Any]
        #expect(validator.problems(in: json).isEmpty)
        var points = json["points"] as! [[String: Any]]
        var phases = points[0]["phases"] as! [[String: Any]]
        phases[0]["ops"] = "ten"
        phases[0].removeValue(forKey: "liveBytes")
        points[0]["phases"] = phases
        json["points"] = points
        let problems = validator.problems(in: json)
        #expect(problems.contains { $0.hasPrefix("$.points[0].phases[0].ops: expected integer") })
        #expect(problems.contains { $0 == "$.points[0].phases[0]: missing 'liveBytes'" })
    }

    /// A run whose allocator returned NULL: the phase's count and first failed call are
    /// in report.json (as the schema says) and in report.md, and they are no violation.
    @Test func allocationFailuresAreReported() throws {
        let validator = try SchemaValidator(schemaAt: Self.root + "/docs/report.schema.json")
        let scenario = try ScenarioLoader.parse("""
            name: nulls
            phases:
              - name: fill
                allocate: {count: 3, size: {fixed: 64t}}
            """, file: "nulls.yaml")
        let report = Runner(scenario: scenario).run()
        let json = try JSONSerialization.jsonObject(with: report.json()) as! [String: Any]
        #expect(validator.problems(in: json).isEmpty, "\(validator.problems(in: json).prefix(5))")
        let phase = ((json["points"] as! [[String: Any]])[0]["phases"] as! [[String: Any]])[0]
        #expect(phase["allocationFailures"] as? Int == 3)
        let first = try #require(phase["firstAllocationFailure"] as? [String: Any])
        #expect(first["call"] as? String == "malloc" && first["size"] as? Int == 64 << 40 && first["worker"] as? Int == 0)
        #expect(try RunReport.decode(report.json()).points[0].phases[0].firstAllocationFailure == AllocationFailure(call: "malloc", size: 64 << 40, worker: 0))
        let md = MarkdownReport.render(report, figures: [])
        #expect(md.contains("- fill: 3, the first `malloc(70368744177664)` by worker 0"), "\(md)")
        #expect(report.points[0].violations.isEmpty && report.passed)
    }

    @Test func aRunWritesItsFolderAndTheChartsCarryTheirData() throws {
        let directory = try TestSupport.scratchDirectory()
        let scenario = try ScenarioLoader.parse("""
            name: charts
            threads: {count: [1, 2], arenas: [shared, per-thread]}
            phases:
              - name: fill
                allocate: {count: 3000, size: {uniform: [16, 2000]}}
              - name: thin
                free: {fraction: 0.8, order: random}
              - name: churn
                churn: {ops: 20000, live: 3000, size: {uniform: [16, 2000]}, remote_free: 0.3}
            """, file: "charts.yaml")
        let report = Runner(scenario: scenario).run()
        let folder = try ReportWriter.write(report, under: directory)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        for name in ["report.json", "report.md", "index.html", "throughput.svg", "memory-t1-shared.svg", "heap-t2-per-thread.svg"] {
            #expect(files.contains(name), "\(name) missing from \(files.sorted())")
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/latest") == "charts/" + URL(fileURLWithPath: folder).lastPathComponent)
        for svg in files.filter({ $0.hasSuffix(".svg") }) {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + svg))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(svg) is not well-formed XML: \(String(describing: parser.parserError))")
        }
        // One marker per sweep point on the throughput chart, each titled with its value.
        let throughput = try String(contentsOfFile: folder + "/throughput.svg", encoding: .utf8)
        #expect(throughput.components(separatedBy: "<circle").count - 1 == report.points.count)
        for p in report.points {
            #expect(throughput.contains("<title>\(p.point.arenas.rawValue): \(Chart.axisNumber(ReportCharts.throughput(p)))</title>"))
        }
        // The heap map has a strip per phase and heap; its cells' in-use shares add up to the phase's.
        let heap = try String(contentsOfFile: folder + "/heap-t2-per-thread.svg", encoding: .utf8)
        let point = report.points.first { $0.point.threads == 2 && $0.point.arenas == .perThread }!
        for phase in point.phases { #expect(heap.contains(">\(phase.name) · arena"), "\(phase.name) strip missing") }
        #expect(point.phases[0].heapMaps?.count == 2)
        let fill = try #require(point.phases[0].heapMaps?.first), thin = try #require(point.phases[1].heapMaps?.first)
        func used(_ m: HeapMap) -> Int { m.inUse.reduce(0) { $0 + ($1.wholeNumberValue ?? 0) } }
        #expect(used(fill) > used(thin) * 2, "freeing 80% left the map as full: \(used(fill)) vs \(used(thin))")
        let md = try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(md.hasPrefix("# charts: PASSED"))
        #expect(md.contains("![Heap map (2 threads, arenas per-thread)](heap-t2-per-thread.svg)"))
        let html = try String(contentsOfFile: folder + "/index.html", encoding: .utf8)
        #expect(html.contains("<img src=\"throughput.svg\""))
    }

    /// A report with points on several targets gets a chart of throughput by target: a
    /// bar per target and point, each titled with its figure.
    @Test func severalTargetsGetAThroughputByTargetChart() throws {
        let yaml = "name: two\ntarget: %@\nthreads: {count: [1, 2]}\nphases:\n  - name: churn\n    churn: {ops: 5000, live: 100, size: {uniform: [16, 512]}}\n"
        var report = Runner(scenario: try ScenarioLoader.parse(String(format: yaml, "model"), file: "two.yaml")).run()
        report.points += Runner(scenario: try ScenarioLoader.parse(String(format: yaml, "glibc"), file: "two.yaml")).run().points
        let chart = try #require(ReportCharts.figures(report).first { $0.file == "targets.svg" })
        #expect(XMLParser(data: Data(chart.svg.utf8)).parse())
        #expect(chart.svg.components(separatedBy: "<rect x=").count - 1 >= 4 + 2)
        for p in report.points {
            let group = p.target, series = "\(p.point.threads) thread\(p.point.threads == 1 ? "" : "s"), glibc"
            #expect(chart.svg.contains("<title>\(group) \(series): \(Chart.axisNumber(ReportCharts.throughput(p)))</title>"), "\(group) \(series)")
        }
    }

    @Test func junitHasACasePerExpectationAndAFailureWhereOneFailed() throws {
        let scenario = try ScenarioLoader.parse("""
            name: junit
            phases:
              - name: big
                allocate: {count: 3, size: 1m}
            expect:
              os_requests: {max: 1}
              fragmentation: {phase: big, max: 0.5}
            """, file: "junit.yaml")
        let xml = JUnitReport.render([Runner(scenario: scenario).run()])
        #expect(XMLParser(data: Data(xml.utf8)).parse())
        #expect(xml.contains("<testsuite name=\"junit\" tests=\"3\" failures=\"1\""))
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == 3)
        #expect(xml.contains("<failure message=\"measured ") && xml.contains(">junit.yaml:6:"))
    }

    @Test func compareShowsTheChange() throws {
        let yaml = "name: cmp\nphases:\n  - name: fill\n    allocate: {count: 1000, size: {fixed: %d}}\n"
        let a = Runner(scenario: try ScenarioLoader.parse(String(format: yaml, 100), file: "a.yaml")).run()
        let b = Runner(scenario: try ScenarioLoader.parse(String(format: yaml, 200), file: "b.yaml")).run()
        let text = ReportComparison.render(a, b, names: ("a.json", "b.json"))
        let held = try #require(text.split(separator: "\n").first { $0.contains("fill: held (MiB)") })
        let change = Double(held.split(separator: " ").last!.dropLast().dropFirst())!
        #expect(change > 50 && change < 150, "\(held)")
    }
}
