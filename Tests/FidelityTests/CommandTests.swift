import Foundation
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
        #expect(run.err == "arenastress: unknown kind 'bogus'; known: random, simple, swiss-cheese, million, pool, threshold, threads\n")
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
        let path = try TestSupport.file("arenastress-trace 2\n" + lines.joined(separator: "\n") + "\n", in: directory)
        let model = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path])
        #expect(model.status == 2)
        #expect(model.out == "")
        #expect(model.err == "\(path):\(Trace.threadLimit + 2):1: more than \(Trace.threadLimit) threads alive at once\n")
    }

    /// A multi-thread trace written by hand in the documented format (docs/traces):
    /// threads on arenas of their own, frees across arenas, a non-main heap grown and
    /// shrunk, an exit and its arena taken from the free list; identical on both sides.
    @Test func handWrittenMultiThreadTraceCompares() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/traces/two-arenas.trace").path
        let trace = try Trace.read(from: path)
        #expect(Set(trace.events.map(\.thread)).count == 4)
        let compared = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", "--compare", path])
        #expect(compared.status == 0, "\(compared.out)\(compared.err)")
        #expect(compared.out == "fidelity: \(trace.events.count)/\(trace.events.count) ops identical\n")
        // What it was written to show: a second arena, a heap grown and shrunk, arena 1
        // served again after thread 1's exit.
        let model = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path]).out
        #expect(model.contains("\nh 2 0 21000\n") && model.contains("\nh 1 0 4b000\n") && model.contains("\nh 1 0 3a000\n"))
        #expect(model.contains("\ne 21000\nq 1 0 "))
    }
}
