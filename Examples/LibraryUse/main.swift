import ArenaModel
import ArenaStress
import HeapCheck
import Scenario

// The model: glibc 2.36's malloc on memory it maps itself.
let arenas = ArenaSet(tunables: Tunables())
let thread = arenas.attachThread()
let blocks = (1...1000).compactMap { thread.malloc($0 * 8) }
blocks.enumerated().filter { $0.offset % 2 == 0 }.forEach { thread.free($0.element) }
// The checker: every invariant of the heap, chunk by chunk.
let heap = HeapChecker().check(arenas)
print("model: \(arenas.arenaCount) arena, heap \(heap.isSound ? "sound" : "BROKEN: \(heap)")")
// The runner: a scenario, as a file would give it.
let scenario = try ScenarioLoader.parse("""
    name: library-use
    phases: [{name: fill, allocate: {count: 10000, size: {uniform: [16, 1024]}}}, {name: half, free: {fraction: 0.5}}]
    """, file: "library-use.yaml")
let run = Runner(scenario: scenario).run()
print("runner: \(run.points.count) point, \(run.passed ? "passed" : "FAILED")")
