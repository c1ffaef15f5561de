import Testing
@testable import Scenario

/// Bad input never traps: every prefix of the contract's example, and the example with
/// each line removed, either loads or is refused with located problems.
@Suite struct RobustnessTests {
    func check(_ text: String) {
        do {
            _ = try ScenarioLoader.parse(text, file: "f.yaml")
        } catch {
            #expect(!error.problems.isEmpty)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            for p in error.problems {
                #expect(p.location.line >= 1 && p.location.line <= lines + 1, "\(p)")
                #expect(p.location.column >= 1, "\(p)")
                #expect(!p.message.isEmpty && p.message.first!.isLowercase || p.message.first == "'", "\(p)")
            }
        }
    }

    @Test func everyPrefixOfTheExample() {
        let text = ContractExampleTests.example
        var end = text.startIndex
        while end < text.endIndex {
            check(String(text[..<end]))
            end = text.index(end, offsetBy: 7, limitedBy: text.endIndex) ?? text.endIndex
        }
    }

    @Test func theExampleWithoutEachLine() {
        let lines = ContractExampleTests.example.split(separator: "\n", omittingEmptySubsequences: false)
        for i in lines.indices {
            var copy = lines
            copy.remove(at: i)
            check(copy.joined(separator: "\n"))
        }
    }

    @Test func tunablesTakeUnitsAndGlibcsLimits() throws {
        let ok = try ScenarioLoader.parse("""
            name: t
            tunables: {mmap_threshold: 128k, top_pad: 1m, mxfast: 0x80, trim_threshold: 0}
            phases: [{name: t, trim: true}]
            """, file: "t.yaml")
        #expect(ok.tunables.mmapThreshold == 128 << 10)
        #expect(ok.tunables.topPad == 1 << 20)
        #expect(ok.tunables.mxfast == 128)
        #expect(ok.tunables.trimThreshold == 0)
        #expect(ok.tunables.arenaMaxSweep.isEmpty && ok.tunables.arenaMax == nil)
        do {
            _ = try ScenarioLoader.parse("""
                name: t
                tunables: {mmap_threshold: 64m, mxfast: 200, tcache_count: 70000, arena_max: [1, -1]}
                phases: [{name: t, trim: true}]
                """, file: "t.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.message) == [
                "tunables.mmap_threshold: must be at most 33554432 (half of glibc's HEAP_MAX_SIZE), found 67108864",
                "tunables.mxfast: must be at most 160 (glibc's MAX_FAST_SIZE), found 200",
                "tunables.tcache_count: must be at most 65535 (glibc's MAX_TCACHE_COUNT), found 70000",
                "tunables.arena_max[1]: must not be negative, found -1",
            ])
        }
    }
}
