// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "arenastress",
    products: [
        .executable(name: "arenastress", targets: ["arenastress"]),
        .library(name: "ArenaModel", targets: ["ArenaModel"]),
        .library(name: "HeapCheck", targets: ["HeapCheck"]),
        .library(name: "ArenaStress", targets: ["ArenaStress"]),
        .library(name: "Scenario", targets: ["Scenario"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(name: "CSupport"),
        .target(name: "Randomness"),
        .target(
            name: "Contention",
            dependencies: [
                "CSupport",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "ArenaModel",
            dependencies: ["CSupport", "Contention", .product(name: "Atomics", package: "swift-atomics")]
        ),
        .target(name: "Scheduler", dependencies: ["CSupport", "Contention", "Randomness"]),
        // libnuma, as Debian's libnuma-dev installs it.
        .systemLibrary(name: "CNuma", path: "Sources/CNuma"),
        // NUMA topology, placement policies, thread and memory binding, page-placement checks.
        .target(name: "Placement", dependencies: ["CNuma", "CSupport", "Contention"]),
        // Scenario files: the schema, loading with line:column problems, size distributions.
        .target(name: "Scenario", dependencies: ["Randomness", .product(name: "Yams", package: "Yams")]),
        .target(name: "HeapCheck", dependencies: ["ArenaModel", "CSupport", "Contention", "Randomness"]),
        .target(name: "Fidelity", dependencies: ["ArenaModel", "Randomness"]),
        // The allocators a scenario runs against, behind one protocol.
        .target(name: "Targets", dependencies: ["ArenaModel", "Contention", "CSupport"]),
        // What a run found and measured: JSON, Markdown, SVG charts, HTML, JUnit.
        .target(name: "Reporting", dependencies: ["Scenario", "Contention"]),
        .target(
            name: "ArenaStress",
            dependencies: [
                "ArenaModel", "Contention", "Scheduler", "Scenario", "Targets", "Reporting", "HeapCheck", "Randomness", "Placement",
                // Traces, for the concurrent trace replay.
                "Fidelity",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // `arenastress analyze`: a program's trace replayed per configuration, where its memory stays.
        .target(name: "TraceAnalysis", dependencies: ["ArenaModel", "ArenaStress", "Contention", "Fidelity", "HeapCheck", "Reporting", "Targets"]),
        // `arenastress bench`: the workloads, the threaded and lock workloads, the runner and its report.
        .target(
            name: "Bench",
            dependencies: ["ArenaModel", "ArenaStress", "Contention", "HeapCheck", "Randomness", "Scenario", "Scheduler", "Targets"]
        ),
        // Replays a trace on this machine's glibc in a process of its own.
        .executableTarget(name: "glibc-replay"),
        // `make fuzz`: mutated scenarios, traces, reports and command lines fed to the real binary.
        .executableTarget(
            name: "arenastress-fuzz",
            dependencies: ["Randomness", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "arenastress",
            dependencies: [
                "ArenaModel",
                "ArenaStress",
                "Bench",
                "Contention",
                "Fidelity",
                "Placement",
                "Reporting",
                "Scenario",
                "TraceAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ArenaModelTests",
            dependencies: [
                "ArenaModel",
                "CSupport",
                "Randomness",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "BenchTests", dependencies: ["Bench"]),
        .testTarget(name: "HeapCheckTests", dependencies: ["HeapCheck", "ArenaModel", "Randomness"]),
        .testTarget(
            name: "ThreadingTests",
            dependencies: [
                "ArenaStress", "Scheduler", "Contention", "ArenaModel", "Scenario", "Reporting",
                // To watch a lock word for its "waited for" state, as the locks read it.
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        // The allocators behind the protocol: the peers that are installed, the pool, `--target` on the command line.
        .testTarget(name: "TargetsTests", dependencies: ["Targets", "ArenaStress", "Reporting", "Scenario", "TestSupport"]),
        // Fixtures the test targets share: scratch folders, running the package's executables.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "FidelityTests", dependencies: ["Fidelity", "ArenaModel", "TestSupport"]),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "ArenaStress", "Scenario", "TestSupport"]
        ),
        .testTarget(
            name: "ArenaStressTests",
            dependencies: ["ArenaStress", "Scenario", "Reporting", "Targets", "TestSupport", "TraceAnalysis", "ArenaModel", "Fidelity", "HeapCheck", "Randomness"]
        ),
        .testTarget(
            name: "PlacementTests",
            dependencies: ["Placement", "ArenaStress", "Scenario", "Reporting", "ArenaModel", "Contention", "CSupport", "TestSupport"]
        ),
        .testTarget(
            name: "ScenarioTests",
            dependencies: ["Scenario", "Randomness", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Malformed")]
        ),
    ]
)
