import ArenaModel
import Fidelity
import Foundation
import TestSupport
import Testing

/// The trace format: what the writer writes the parser reads back, and bad input is
/// named by file, line and column, the same way by the Swift parser, by glibc-replay's
/// C parser, and by `arenastress replay-trace` (exit status 2).
@Suite struct TraceFormatTests {
    static let everyOp = Trace(comments: ["two lines", "of comment"], events: [
        TraceEvent(thread: 0, .malloc(size: 100, slot: 3)),
        TraceEvent(thread: 0, .calloc(count: 4, size: 25, slot: 5)),
        TraceEvent(thread: 0, .realloc(size: 200, slot: 3)),
        TraceEvent(thread: 0, .memalign(alignment: 64, size: 100, slot: 6)),
        TraceEvent(thread: 0, .free(slot: 3)),
        TraceEvent(thread: 0, .trim(pad: 4096)),
        TraceEvent(thread: 0, .malloc(size: Int.max, slot: Trace.slotLimit - 1)),
    ])

    @Test func writerAndParserAgree() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = directory + "/every-op.trace"
        try Self.everyOp.write(to: path)
        #expect(try Trace.read(from: path) == Self.everyOp)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("arenastress-trace 2\n# two lines\n# of comment\n0 malloc 100 3\n0 calloc 4 25 5\n"))
    }

    @Test func blanksTabsAndCommentsAnywhere() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("# before\n\narenastress-trace 1\n  7\tmalloc  8 0 \n\t# indented\n7 free 0\n", in: directory)
        let trace = try Trace.read(from: path)
        #expect(trace.events == [TraceEvent(thread: 7, .malloc(size: 8, slot: 0)), TraceEvent(thread: 7, .free(slot: 0))])
        #expect(trace.comments == ["before", "indented"])
    }

    /// Bad traces and where each goes wrong.
    static let badInputs: [(text: String, error: String)] = [
        ("", "1:1: not a trace: expected `arenastress-trace 2`"),
        ("0 malloc 1 0\n", "1:1: not a trace: expected `arenastress-trace 2`"),
        ("arenastress-trace 3\n", "1:1: not a trace: expected `arenastress-trace 2`"),
        ("arenastress-trace 1\n0 malloc 1 0\n1 exit\n", "3:3: `exit` needs a version-2 trace"),
        ("arenastress-trace 2\n5 malloc 1 0\n5 exit\n", "3:1: the main thread (the trace's first) cannot exit"),
        ("arenastress-trace 2\n5 malloc 1 0\n6 malloc 1 1\n6 exit\n 6 free 1\n", "5:2: the thread has exited"),
        ("arenastress-trace 2\n0 malloc 1 0\n6 exit 1\n", "3:8: unexpected text after the op"),
        ("arenastress-trace 1 x\n", "1:21: unexpected text after the header"),
        ("arenastress-trace 1\n0 malloc 10\n", "2:12: missing slot"),
        ("arenastress-trace 1\n0 mallocc 10 1\n", "2:3: unknown op"),
        ("arenastress-trace 1\n0\n", "2:2: expected an op"),
        ("arenastress-trace 1\nx malloc 1 1\n", "2:1: expected a decimal number"),
        ("arenastress-trace 1\n0 malloc -1 1\n", "2:10: expected a decimal number"),
        ("arenastress-trace 1\n0 malloc 9223372036854775808 1\n", "2:10: number too large"),
        ("arenastress-trace 1\n0 calloc 1\n", "2:11: missing argument"),
        ("arenastress-trace 1\n0 free 16777216\n", "2:8: slot out of range"),
        ("arenastress-trace 1\n0 trim 0 0\n", "2:10: unexpected text after the op"),
        ("arenastress-trace 1\n\n# c\n0 free 1 x\n", "4:10: unexpected text after the op"),
    ]

    @Test(arguments: badInputs.indices)
    func badInputIsLocated(case index: Int) throws {
        let (text, expected) = Self.badInputs[index]
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(text, in: directory)
        #expect(throws: TraceError.self) { try Trace.read(from: path) }
        do {
            _ = try Trace.read(from: path)
        } catch {
            #expect(error.description == "\(path):\(expected)")
        }
        let glibc = try TestSupport.run(TestSupport.product("glibc-replay"), [path])
        #expect(glibc.status == 2)
        #expect(glibc.err == "\(path):\(expected)\n")
        let cli = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path])
        #expect(cli.status == 2)
        #expect(cli.err == "\(path):\(expected)\n")
    }

    @Test func missingFileIsBadInput() throws {
        let path = try TestSupport.scratchDirectory() + "/absent.trace"
        let cli = try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", path])
        #expect(cli.status == 2)
        #expect(cli.err == "\(path):1:1: cannot read the trace (No such file or directory)\n")
    }

    /// Up to `Trace.threadLimit` threads alive at once are read, any numbers, however
    /// often each comes back; the line starting one more is refused, at its thread
    /// number, unless one has exited.
    @Test func threadNumbersAreLimited() throws {
        let directory = try TestSupport.scratchDirectory()
        let numbers = (0..<Trace.threadLimit).map { $0 * 1_000_003 }
        var text = "arenastress-trace 2\n"
        for (i, n) in numbers.enumerated() { text += "\(n) malloc \(i) \(i)\n" }
        for (i, n) in numbers.enumerated() { text += "\(n) free \(i)\n" }
        let full = try TestSupport.file(text, in: directory, named: "full.trace")
        let trace = try Trace.read(from: full)
        #expect(Set(trace.events.map(\.thread)).count == Trace.threadLimit)
        let replayer = ModelReplayer(slotCount: trace.slotCount)
        let results = replayer.replay(trace).filter(\.isOp)
        #expect(results.count == trace.events.count)
        #expect(!results.contains(.null(brk: 0x21000)) && replayer.set.checkInvariants() == [])

        let over = try TestSupport.file(text + " \t7 malloc 1 0\n", in: directory, named: "over.trace")
        #expect(throws: TraceError(path: over, line: 2 * Trace.threadLimit + 2, column: 3,
                                   message: "more than \(Trace.threadLimit) threads alive at once")) {
            try Trace.read(from: over)
        }
        let afterExit = try TestSupport.file(text + "\(numbers[1]) exit\n7 malloc 1 0\n", in: directory, named: "exit.trace")
        #expect(try Trace.read(from: afterExit).events.count == trace.events.count + 2)
    }

    /// A `# tunables:` comment must be valid: it sets both replays' malloc.
    @Test(arguments: [
        ("# tunables: arena_max=0\n", "1:23: arena_max out of range (1 to 9223372036854775807)"),
        ("# tunables: arena_mx=2\n", "1:13: unknown tunable"),
        ("# tunables: perturb=x\n", "1:21: expected a decimal number"),
        ("# tunables: top_pad\n", "1:13: expected NAME=VALUE"),
    ])
    func badTunablesAreLocated(text: String, expected: String) throws {
        let path = try TestSupport.file(text + "arenastress-trace 2\n", in: try TestSupport.scratchDirectory())
        #expect(throws: TraceError.self) { try Trace.read(from: path) }
        do { _ = try Trace.read(from: path) } catch { #expect(error.description == "\(path):\(expected)") }
        // glibc-replay checks the names and numbers, not the ranges (glibc ignores a value
        // out of range; the model's side refuses it).
        if !expected.contains("out of range") {
            let glibc = try TestSupport.run(TestSupport.product("glibc-replay"), [path])
            #expect(glibc.status == 2 && glibc.err == "\(path):\(expected)\n")
        }
    }

    /// Run by hand, glibc-replay applies the trace's tunables itself: with top_pad=0 the
    /// first malloc moves the break by one page, not 132 KiB.
    @Test func glibcReplayAppliesTheTracesTunables() throws {
        let directory = try TestSupport.scratchDirectory()
        let plain = try TestSupport.file("arenastress-trace 2\n0 malloc 24 0\n", in: directory, named: "plain.trace")
        let tuned = try TestSupport.file("arenastress-trace 2\n# tunables: top_pad=0\n0 malloc 24 0\n", in: directory, named: "tuned.trace")
        #expect(try TestSupport.run(TestSupport.product("glibc-replay"), [plain]).out == "p 290 21 21000\n")
        #expect(try TestSupport.run(TestSupport.product("glibc-replay"), [tuned]).out == "p 290 21 1000\n")
        #expect(try TestSupport.run(TestSupport.product("arenastress"), ["replay-trace", tuned]).out == "p 290 21 1000\n")
    }

    @Test func tunablesRoundTrip() throws {
        var t = Tunables()
        t.arenaMax = 2
        t.tcacheCount = 0
        t.mmapThreshold = 65536
        let trace = Trace(comments: [t.traceComment], events: [TraceEvent(thread: 0, .malloc(size: 1, slot: 0))])
        let path = try TestSupport.scratchDirectory() + "/tunables.trace"
        try trace.write(to: path)
        #expect(try Trace.read(from: path).tunables == t)
        #expect(t.glibcTunables == "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=65536")
        #expect(Tunables().traceComment == "tunables: default" && Tunables().glibcTunables == nil)
    }
}
