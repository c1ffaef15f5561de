import Foundation
import Fidelity
import TestSupport
import Testing

/// `arenastress record` on small C programs built here: their traces, op by op.
@Suite struct RecordTests {
    /// The test program: its first argument says what it does. Between the markers
    /// (malloc 7771, malloc 7772) are the calls a test checks; whatever the C library
    /// allocates before or after is left out of the comparison.
    static let source = """
        #define _GNU_SOURCE
        #include <malloc.h>
        #include <pthread.h>
        #include <stddef.h>
        #include <stdint.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/wait.h>
        #include <unistd.h>
        extern void *__libc_malloc(size_t);
        void *volatile sink;
        void *volatile nothing;

        __attribute__((noinline)) void *allocate_here(size_t n) { return malloc(n); }

        static void one(void) {
            void *a = malloc(100);
            void *b = calloc(4, 25);
            a = realloc(a, 200);
            a = realloc(a, 300000);
            a = realloc(a, 50);
            void *c = realloc(NULL, 60);
            void *m = NULL;
            if (posix_memalign(&m, 3, 10) == 0) _exit(9);
            if (posix_memalign(&m, 64, 100) != 0) _exit(9);
            void *v = valloc(10), *pv = pvalloc(5000), *al = aligned_alloc(32, 64), *me = memalign(128, 7);
            if (reallocarray(NULL, SIZE_MAX / 2, 4) != NULL) _exit(9);
            void *ra = reallocarray(NULL, 10, 10);
            free(b);
            free(nothing);
            if (realloc(a, 0) != NULL) _exit(9);
            free(c); free(m); free(v); free(pv); free(al); free(me); free(ra);
            malloc_trim(0);
            if (malloc(PTRDIFF_MAX) != NULL) _exit(9);
        }

        static void *worker(void *argument) {
            long k = (long)argument;
            void *p[20];
            for (int i = 0; i < 20; i++) p[i] = malloc(1000 * (k + 1) + i);
            for (int i = 0; i < 20; i++) free(p[i]);
            return NULL;
        }

        static void heavy(long ops) {
            void *blocks[512] = {0};
            uint64_t x = 12345;
            for (long i = 0; i < ops; i++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                unsigned k = (unsigned)(x >> 33) % 512, what = (unsigned)(x >> 20) % 8;
                size_t size = (x >> 40) % ((x >> 13) % 16 == 0 ? 200000 : 2000);
                if (blocks[k]) {
                    if (what < 2) blocks[k] = realloc(blocks[k], size + 1);
                    else { free(blocks[k]); blocks[k] = NULL; }
                } else if (what == 0) {
                    blocks[k] = calloc(1 + size % 7, size / 7 + 1);
                } else if (what == 1) {
                    blocks[k] = memalign(64 << (size % 4), size);
                } else {
                    blocks[k] = malloc(size);
                }
            }
            for (int k = 0; k < 512; k++) free(blocks[k]);
        }

        int main(int argc, char **argv) {
            const char *mode = argc > 1 ? argv[1] : "";
            if (strcmp(mode, "exec2") == 0) { sink = malloc(5555); return 0; }
            void *unseen = strcmp(mode, "unseen") == 0 ? __libc_malloc(40) : NULL;
            void *unseen2 = strcmp(mode, "unseen") == 0 ? __libc_malloc(50) : NULL;
            sink = malloc(7771);
            if (strcmp(mode, "one") == 0) one();
            if (strcmp(mode, "unseen") == 0) {
                free(unseen);
                unseen2 = realloc(unseen2, 60);
                free(unseen2);
            }
            if (strcmp(mode, "threads") == 0) {
                pthread_t t[4];
                for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)i);
                for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
            }
            if (strcmp(mode, "fork") == 0) {
                void *a = malloc(2222);
                pid_t pid = fork();
                if (pid == 0) { free(a); sink = malloc(3333); _exit(0); }
                int status;
                waitpid(pid, &status, 0);
                free(a);
            }
            if (strcmp(mode, "exec") == 0) execl(argv[0], argv[0], "exec2", (char *)NULL);
            if (strcmp(mode, "callers") == 0) sink = allocate_here(4444);
            if (strcmp(mode, "heavy") == 0) heavy(argc > 2 ? atol(argv[2]) : 20000);
            sink = malloc(7772);
            return strcmp(mode, "status") == 0 ? 5 : 0;
        }
        """

    /// A scratch directory with the program built in it, and the recording library.
    struct Bench {
        let directory: String, program: String, library: String

        /// Nil (with the reason printed) when there is no C compiler.
        static func make() throws -> Bench? {
            guard let cc = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                print("skipped: no C compiler (cc) to build the programs to record")
                return nil
            }
            let directory = try TestSupport.scratchDirectory()
            let source = try TestSupport.file(RecordTests.source, in: directory, named: "program.c")
            let program = directory + "/program"
            let built = try TestSupport.run(cc, ["-O0", "-fno-builtin", "-pthread", "-o", program, source])
            try #require(built.status == 0, "\(built.err)")
            // make puts the library beside the executables; a bare `swift build` does not.
            var library = TestSupport.product("libarenastress-record.so")
            if !FileManager.default.fileExists(atPath: library) {
                library = directory + "/libarenastress-record.so"
                let lib = try TestSupport.run(cc, ["-O2", "-fPIC", "-shared", "-o", library,
                                                   TestSupport.packageRoot + "/Sources/ArenaRecord/record.c", "-ldl"])
                try #require(lib.status == 0, "\(lib.err)")
            }
            return Bench(directory: directory, program: program, library: library)
        }

        /// Records the program in `mode` into `name` in the directory.
        func record(_ mode: String, _ flags: [String] = [], name: String = "t.trace") throws -> (run: (status: Int32, out: String, err: String), path: String) {
            let path = directory + "/" + name
            let run = try TestSupport.run(TestSupport.product("arenastress"),
                                          ["record", "-o", path, "--library", library] + flags + ["--", program, mode])
            return (run, path)
        }
    }

    /// The ops from the start marker to the end marker, as lines with the slots named
    /// in the order they first appear (`s0`, `s1`, ...).
    static func marked(_ events: [TraceEvent]) throws -> [String] {
        let start = try #require(events.firstIndex { $0.op == .malloc(size: 7771, slot: $0.slot ?? -1) })
        let end = try #require(events.lastIndex { $0.op == .malloc(size: 7772, slot: $0.slot ?? -1) })
        return canonical(Array(events[start...end]))
    }

    static func canonical(_ events: [TraceEvent]) -> [String] {
        var names: [Int: String] = [:]
        return events.map { event in
            var words = event.description.split(separator: " ").map(String.init)
            if let slot = event.slot {
                let name = names[slot] ?? "s\(names.count)"
                names[slot] = name
                words[words.count - 1] = name
            }
            return words.joined(separator: " ")
        }
    }

    @Test func oneThreadEveryCallOfTheFamily() throws {
        guard let bench = try Bench.make() else { return }
        let (run, path) = try bench.record("one")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains("arenastress: trace in \(path): "))
        #expect(run.err.contains(", 1 thread, 0 frees skipped"))
        let trace = try Trace.read(from: path)
        let page = sysconf(Int32(_SC_PAGESIZE))
        #expect(try Self.marked(trace.events) == [
            "0 malloc 7771 s0",
            "0 malloc 100 s1",
            "0 calloc 4 25 s2",
            "0 realloc 200 s1",
            "0 realloc 300000 s1",
            "0 realloc 50 s1",
            "0 realloc 60 s3",  // realloc (NULL, 60): an empty slot
            // posix_memalign with alignment 3 fails in glibc's check: no op.
            "0 memalign 64 100 s4",
            "0 memalign \(page) 10 s5",  // valloc
            "0 memalign \(page) \((5000 + page - 1) / page * page) s6",  // pvalloc
            "0 memalign 32 64 s7",  // aligned_alloc
            "0 memalign 128 7 s8",
            // reallocarray that overflows: ENOMEM, no op.
            "0 realloc 100 s9",
            "0 free s2",
            "0 free s2",  // free (NULL): an empty slot, the one just freed
            "0 realloc 0 s1",
            "0 free s3", "0 free s4", "0 free s5", "0 free s6", "0 free s7", "0 free s8", "0 free s9",
            "0 trim 0",
            "0 malloc 9223372036854775807 s9",  // NULL: the slot stays empty
            "0 malloc 7772 s9",  // the slot freed last is reused first
        ])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let null = try #require(lines.firstIndex { $0.hasPrefix("0 malloc 9223372036854775807 ") })
        #expect(lines[null + 1] == "# null")
        #expect(lines.filter { $0 == "# null" }.count == 1)
        #expect(trace.comments.last == "skipped: frees=0 reallocs=0 unrecordable=0 unrecorded=0")
        #expect(trace.comments.contains { $0.hasPrefix("recorded by arenastress record: pid ") && $0.hasSuffix(bench.program) })
    }

    @Test func oneThreadRecordingReplaysIdentically() throws {
        guard let bench = try Bench.make() else { return }
        for mode in ["one", "heavy"] {
            let (run, path) = try bench.record(mode, name: mode + ".trace")
            #expect(run.status == 0, "\(run.err)")
            let differential = Differential(replayer: try GlibcReplayer.locate(TestSupport.product("glibc-replay")), directory: bench.directory)
            let comparison = try differential.compare(file: path, name: mode)
            #expect(comparison.ops > (mode == "heavy" ? 10_000 : 20))
            #expect(comparison.identical == comparison.ops, "\(comparison.report)")
        }
    }

    @Test func mallocSettingsOfTheEnvironmentGoWithTheTrace() throws {
        guard let bench = try Bench.make() else { return }
        let path = bench.directory + "/tuned.trace"
        let run = try TestSupport.run("/usr/bin/env", [
            "GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=65536", "MALLOC_TOP_PAD_=4096",
            TestSupport.product("arenastress"), "record", "-o", path, "--library", bench.library, "--", bench.program, "heavy",
        ])
        #expect(run.status == 0, "\(run.err)")
        let trace = try Trace.read(from: path)
        #expect(trace.comments.contains("tunables: top_pad=4096 tcache_count=0 mmap_threshold=65536"))
        #expect(trace.tunables.tcacheCount == 0 && trace.tunables.mmapThreshold == 65536 && trace.tunables.topPad == 4096)
        // Both replays run under the settings the program ran with.
        let differential = Differential(replayer: try GlibcReplayer.locate(TestSupport.product("glibc-replay")), directory: bench.directory)
        let comparison = try differential.compare(file: path, name: "tuned")
        #expect(comparison.identical == comparison.ops, "\(comparison.report)")
    }

    @Test func fourThreadsNumberedInOrderEachEndingInExit() throws {
        guard let bench = try Bench.make() else { return }
        let (run, path) = try bench.record("threads")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains(", 5 threads, 0 frees skipped"))
        let events = try Trace.read(from: path).events
        // Numbered by first call: thread n's first op comes before thread n + 1's.
        let firsts = (0...4).compactMap { n in events.firstIndex { $0.thread == n } }
        #expect(firsts.count == 5 && firsts == firsts.sorted())
        #expect(Set(events.map(\.thread)) == Set(0...4))
        // glibc's own clean-up at a thread's end may call free (NULL) after the
        // program's last call: such frees of an empty slot come before the `exit` too.
        var filled: Set<Int> = [], emptyFree: Set<Int> = []
        for (i, event) in events.enumerated() {
            switch event.op {
            case .malloc(_, let slot), .calloc(_, _, let slot), .memalign(_, _, let slot), .realloc(_, let slot): filled.insert(slot)
            case .free(let slot): if filled.remove(slot) == nil { emptyFree.insert(i) }
            default: break
            }
        }
        var bases: Set<Int> = []
        for n in 1...4 {
            let own = Self.canonical(events.indices.filter { events[$0].thread == n && !emptyFree.contains($0) }.map { events[$0] })
            let base = try #require(Int(own.first?.split(separator: " ")[2] ?? ""))
            bases.insert(base)
            let mallocs = (0..<20).map { "\(n) malloc \(base + $0) s\($0)" }
            let frees = (0..<20).map { "\(n) free s\($0)" }
            #expect(own == mallocs + frees + ["\(n) exit"], "thread \(n)")
            #expect(events.lastIndex { $0.thread == n }.map { events[$0].op } == .exit)
        }
        #expect(bases == [1000, 2000, 3000, 4000])
        #expect(!events.contains { $0.thread == 0 && $0.op == .exit })
    }

    @Test func blocksTheRecorderNeverSawAreSkippedAndCounted() throws {
        guard let bench = try Bench.make() else { return }
        let (run, path) = try bench.record("unseen")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains(", 2 frees skipped, 1 reallocs skipped"))
        let trace = try Trace.read(from: path)
        #expect(try Self.marked(trace.events) == ["0 malloc 7771 s0", "0 malloc 7772 s1"])
        #expect(trace.comments.last == "skipped: frees=2 reallocs=1 unrecordable=0 unrecorded=0")
    }

    @Test func forkedChildIsRecordedOnlyWhenAsked() throws {
        guard let bench = try Bench.make() else { return }
        let (run, path) = try bench.record("fork")
        #expect(run.status == 0, "\(run.err)")
        let parent = try Trace.read(from: path)
        #expect(try Self.marked(parent.events) == ["0 malloc 7771 s0", "0 malloc 2222 s1", "0 free s1", "0 malloc 7772 s1"])
        #expect(!run.err.contains(path + "."))

        let (all, allPath) = try bench.record("fork", ["--all-processes"], name: "all.trace")
        #expect(all.status == 0, "\(all.err)")
        let children = try FileManager.default.contentsOfDirectory(atPath: bench.directory).filter { $0.hasPrefix("all.trace.") }
        try #require(children.count == 1, "\(children)")
        let childPath = bench.directory + "/" + children[0]
        #expect(all.err.contains("arenastress: trace in \(childPath): "))
        let child = try Trace.read(from: childPath)
        // The child's trace starts as the parent's (the same heap), then goes its own way.
        let fork = try #require(child.events.firstIndex { $0.op == .malloc(size: 2222, slot: $0.slot ?? -1) })
        let parentEvents = try Trace.read(from: allPath).events
        #expect(Array(child.events[...fork]) == Array(parentEvents[...fork]))
        #expect(Self.canonical(Array(child.events[fork...])) == ["0 malloc 2222 s0", "0 free s0", "0 malloc 3333 s0"])
        #expect(child.comments.contains { $0.hasPrefix("forked: pid \(children[0].dropFirst("all.trace.".count)) from pid ") })
        #expect(child.comments.last == "skipped: frees=0 reallocs=0 unrecordable=0 unrecorded=0")
    }

    @Test func newImageAfterExecHasATraceOfItsOwn() throws {
        guard let bench = try Bench.make() else { return }
        let (run, path) = try bench.record("exec")
        #expect(run.status == 0, "\(run.err)")
        let first = try Trace.read(from: path)
        #expect(first.events.contains { $0.op == .malloc(size: 7771, slot: $0.slot ?? -1) })
        #expect(first.comments.last?.hasPrefix("skipped: frees=0") == true)
        let others = try FileManager.default.contentsOfDirectory(atPath: bench.directory).filter { $0.hasPrefix("t.trace.") }
        try #require(others.count == 1, "\(others)")
        let second = try Trace.read(from: bench.directory + "/" + others[0])
        #expect(second.events.contains { $0.op == .malloc(size: 5555, slot: $0.slot ?? -1) })
        #expect(!second.events.contains { $0.op == .malloc(size: 7771, slot: $0.slot ?? -1) })
    }

    @Test func callersNameEachOpsReturnAddress() throws {
        guard let bench = try Bench.make() else { return }
        let (run, path) = try bench.record("callers", ["--callers"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains("callers in \(path).callers"))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let callers = try String(contentsOfFile: path + ".callers", encoding: .utf8).split(separator: "\n")
        #expect(callers.first == "arenastress-callers 1")
        var at: [Int: String] = [:], symbols: [String: String] = [:]
        for line in callers.dropFirst() {
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            try #require(words.count == 3, "\(line)")
            if words[0] == "at" { at[try #require(Int(words[1]))] = words[2] }
            if words[0] == "sym" { symbols[words[1]] = words[2] }
        }
        // One `at` per op line (numbered from 1), and a symbol for each address.
        let opLines = lines.indices.filter { lines[$0].first?.isNumber == true }.map { $0 + 1 }
        #expect(Set(at.keys) == Set(opLines))
        #expect(Set(at.values).isSubset(of: Set(symbols.keys)))
        let marked = try #require(lines.firstIndex { $0.hasPrefix("0 malloc 4444 ") })
        let symbol = try #require(symbols[at[marked + 1] ?? ""])
        #expect(symbol.hasPrefix("allocate_here+0x") && symbol.hasSuffix(" " + bench.program), "\(symbol)")
    }

    @Test func programsExitStatusIsTheCommands() throws {
        guard let bench = try Bench.make() else { return }
        let (run, _) = try bench.record("status")
        #expect(run.status == 5)
        let missing = try TestSupport.run(TestSupport.product("arenastress"),
                                          ["record", "--library", bench.directory + "/none.so", "--", bench.program])
        #expect(missing.status == 2)
        #expect(missing.err == "arenastress: no recording library at \(bench.directory)/none.so: build it with make build (or make release)\n")
    }
}
