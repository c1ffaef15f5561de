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
        let ops = TraceGenerator.trace(.threshold, seed: 1).events.count
        #expect(compared.status == 0)
        #expect(compared.out.hasSuffix("fidelity: \(ops)/\(ops) ops identical\n"))
    }

    /// The trace of issue 14: a request just below PTRDIFF_MAX once trapped in sysmalloc's
    /// sum; it is NULL, as on glibc, after the tcache's first heap growth.
    @Test func aRequestNearPtrdiffMaxReplaysAsNull() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("arenastress-trace 1\n0 malloc 9223372036854775000 0\n", in: directory)
        let model = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path])
        let glibc = try TestSupport.run(TestSupport.product("glibc-replay"), [path])
        #expect(model.status == 0 && model.err == "")
        #expect(model.out == "n 21000\n")
        #expect(model.out == glibc.out)
        let compared = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", "--compare", path])
        #expect(compared.status == 0)
        #expect(compared.out.hasSuffix("fidelity: 1/1 ops identical\n"))
    }

    /// One thread number past the limit: refused at its line, nothing replayed.
    @Test func replayRefusesTooManyThreads() throws {
        let directory = try TestSupport.scratchDirectory()
        let lines = (0...Trace.threadLimit).map { "\($0) malloc 16 \($0)" }
        let path = try TestSupport.file("arenastress-trace 1\n" + lines.joined(separator: "\n") + "\n", in: directory)
        let model = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path])
        #expect(model.status == 2)
        #expect(model.out == "")
        #expect(model.err == "\(path):\(Trace.threadLimit + 2):1: more than \(Trace.threadLimit) threads in one trace\n")
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
