import Testing
@testable import Scenario

/// Sizes and durations as scenarios write them.
@Suite struct UnitsTests {
    @Test(arguments: [
        ("64", 64), ("0", 0), ("4k", 4096), ("4K", 4096), ("4kb", 4096), ("4KB", 4096), ("4KiB", 4096),
        ("1m", 1 << 20), ("1M", 1 << 20), ("128KiB", 128 << 10), ("2MiB", 2 << 20), ("1g", 1 << 30),
        ("1GiB", 1 << 30), ("1.5k", 1536), ("100_000", 100_000), ("0x400", 1024), ("64b", 64), ("64 B", 64),
        ("128TiB", 1 << 47),
    ])
    func sizes(text: String, bytes: Int) {
        #expect(Units.parseSize(text) == .success(bytes), "\(text)")
    }

    @Test(arguments: ["", "k", "lots", "4kg", "1.3k", "-5", "256TiB", "4 k b", "1e3", "0x", "4k4"])
    func badSizes(text: String) {
        guard case .failure(let error) = Units.parseSize(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(!error.message.isEmpty)
    }

    @Test func sizeMessagesSayWhatIsWrong() {
        #expect(Units.parseSize("4kg") == .failure(UnitError(
            "unknown size unit 'kg' in '4kg'; use k, m, g (1024-based) or KiB, MiB, GiB")))
        #expect(Units.parseSize("1.3k") == .failure(UnitError("'1.3k' is not a whole number of bytes")))
        #expect(Units.parseSize("256TiB") == .failure(UnitError(
            "size '256TiB' is beyond the address space (at most 128TiB)")))
    }

    @Test(arguments: [
        ("500ms", 500_000_000), ("5s", 5_000_000_000), ("2m", 120_000_000_000), ("1h", 3_600_000_000_000),
        ("250us", 250_000), ("10ns", 10), ("1.5s", 1_500_000_000), ("2min", 120_000_000_000), ("3 s", 3_000_000_000),
    ])
    func durations(text: String, nanoseconds: Int) {
        #expect(Units.parseDuration(text) == .success(nanoseconds), "\(text)")
    }

    @Test(arguments: ["5", "5sec", "s", "", "-1s", "25h", "five s"])
    func badDurations(text: String) {
        guard case .failure = Units.parseDuration(text) else {
            Issue.record("\(text) was accepted")
            return
        }
    }

    @Test func integersAndNumbers() {
        #expect(Units.parseInteger("100_000") == 100_000)
        #expect(Units.parseInteger("-5") == -5)
        #expect(Units.parseInteger("0x10") == 16)
        #expect(Units.parseInteger("lots") == nil)
        #expect(Units.parseInteger("1.5") == nil)
        #expect(Units.parseInteger("_1") == nil)
        #expect(Units.parseInteger("99999999999999999999") == nil)
        #expect(Units.parseNumber("0.25") == 0.25)
        #expect(Units.parseNumber("1e-3") == 0.001)
        #expect(Units.parseNumber(".5") == 0.5)
        #expect(Units.parseNumber("3") == 3)
        #expect(Units.parseNumber("nan") == nil)
        #expect(Units.parseNumber("inf") == nil)
        #expect(Units.parseNumber("lots") == nil)
    }
}
