import Fidelity
import TestSupport
import Testing

/// `arenastress trace-gen` and `replay-trace` as a user runs them.
@Suite struct CommandTests {
    @Test func traceGenWritesTheKindAsked() throws {
        let path = try TestSupport.scratchDirectory() + "/pool.trace"
        let run = try TestSupport.run(TestSupport.product("arenastress"), ["trace-gen", "--kind", "pool", "--seed", "3", "--ops", "10", "-o", path])
        #expect(run.status == 0)
        #expect(run.out == "\(path): 2021 ops\n")
        let trace = try Trace.read(from: path)
        #expect(trace == TraceGenerator.trace(.pool, seed: 3, count: 10))
        #expect(trace.comments == ["kind=pool seed=3 count=10"])
    }

    @Test func traceGenRefusesAnUnknownKind() throws {
        let path = try TestSupport.scratchDirectory() + "/x.trace"
        let run = try TestSupport.run(TestSupport.product("arenastress"), ["trace-gen", "--kind", "bogus", "-o", path])
        #expect(run.status == 2)
        #expect(run.err == "arenastress: unknown kind 'bogus'; known: random, simple, swiss-cheese, million, pool, threshold\n")
    }

    /// Without --compare, the model's lines are glibc-replay's lines, so `diff` works.
    @Test func replayTracePrintsWhatGlibcReplayPrints() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = directory + "/threshold.trace"
        try TraceGenerator.trace(.threshold, seed: 1).write(to: path)
        let model = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path])
        let glibc = try TestSupport.run(TestSupport.product("glibc-replay"), [path])
        #expect(model.status == 0 && glibc.status == 0)
        #expect(model.out == glibc.out)
        #expect(model.out.split(separator: "\n").count == TraceGenerator.trace(.threshold, seed: 1).events.count)

        let compared = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", "--compare", path])
        #expect(compared.status == 0)
        #expect(compared.out.hasSuffix("fidelity: 147/147 ops identical\n"))
    }

    /// A trace glibc-replay cannot run is bad input too, located by its parser.
    @Test func compareRefusesASecondThread() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("arenastress-trace 1\n0 malloc 1 0\n1 malloc 1 1\n", in: directory)
        let model = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path])
        #expect(model.status == 0)
        let compared = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", "--compare", path])
        #expect(compared.status == 2)
        #expect(compared.err == "\(path):3:1: glibc-replay replays single-threaded traces only\n")
    }
}
