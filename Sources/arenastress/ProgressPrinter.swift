import ArenaStress
import Foundation
import Reporting
import Contention
import Scenario

/// Progress of a run on standard error: on a terminal, a line redrawn twice a second
/// (phase, ops done, ops/s, ops per thread); otherwise one plain line per phase.
final class ProgressPrinter: RunObserver, @unchecked Sendable {
    private struct State {
        var point = ""
        var phases: [String] = []
        var index = 0
        var phase: String { index < phases.count ? phases[index] : "" }
        var phaseStart = Date()
        var doneBefore = 0
        var progress: (@Sendable () -> [Int])?
        var stop = false
    }

    private let state = Locked(State())
    private let terminal = isatty(2) == 1
    private var monitor: Thread?

    func pointStarted(_ point: SweepPoint, scenario: Scenario, progress: @escaping @Sendable () -> [Int]) {
        let label = "\(scenario.name) [threads \(point.threads), arenas \(point.arenas.rawValue)\(point.arenaMax.map { ", arena_max \($0)" } ?? "")]"
        state.withLock {
            $0 = State(point: label, phases: scenario.phases.map(\.name), progress: progress)
        }
        write("\(label): \(scenario.phases.count) phases\n")
        guard terminal else { return }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.5)
                guard let line = state.withLock({ s -> String? in
                    guard !s.stop, let progress = s.progress else { return nil }
                    let perThread = progress()
                    let done = s.doneBefore + perThread.reduce(0, +)
                    let seconds = Date().timeIntervalSince(s.phaseStart)
                    let rate = seconds > 0 ? Double(done) / seconds : 0
                    return "  \(s.phase): \(done) ops, \(Format.rate(rate)) ops/s, per thread \(perThread.map(String.init).joined(separator: " "))"
                }) else { return }
                write("\r\u{1B}[K\(line)")
            }
        }
        monitor = thread
        thread.start()
    }

    func stepEnded(_ point: SweepPoint, phase: String, ops: Int, nanoseconds: UInt64, endsPhase: Bool) {
        state.withLock {
            $0.doneBefore = endsPhase ? 0 : ops
            if endsPhase { $0.phaseStart = Date() }
        }
        guard endsPhase else { return }
        let seconds = Double(nanoseconds) / 1e9
        let rate = seconds > 0 ? Double(ops) / seconds : 0
        write("\(terminal ? "\r\u{1B}[K" : "")  \(phase): \(ops) ops in \(String(format: "%.3f", seconds)) s (\(Format.rate(rate)) ops/s)\n")
        state.withLock { $0.index += 1 }
    }

    func pointEnded(_ point: SweepPoint) {
        state.withLock { $0.stop = true }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
