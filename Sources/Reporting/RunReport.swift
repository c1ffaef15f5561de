import Foundation
import Scenario

/// Everything one `arenastress run` of a scenario measured and found, one entry per
/// sweep point: what `report.json` holds and what `replay` runs again.
public struct RunReport: Sendable, Codable {
    /// Bumped when a field changes meaning.
    public static let currentSchema = 1
    public var schema = RunReport.currentSchema
    /// The scenario as it ran, defaults resolved (enough to run it again).
    public var scenario: Scenario
    /// The file it came from.
    public var file: String
    /// When the run started (ISO 8601, UTC).
    public var startedAt: String
    public var host: RunHost
    public var points: [PointReport]
    /// What the reader must know about the run as a whole, once (a sweep dimension that
    /// does not apply to the target, ...); absent when there is nothing.
    public var notes: [String]?
    /// True when every point held every expectation.
    public var passed: Bool { points.allSatisfy(\.passed) }

    public init(scenario: Scenario, file: String, startedAt: Date, host: RunHost, points: [PointReport]) {
        self.scenario = scenario
        self.file = file
        self.startedAt = ISO8601DateFormatter().string(from: startedAt)
        self.host = host
        self.points = points
    }

    enum CodingKeys: String, CodingKey { case schema, scenario, file, startedAt, host, points, notes, passed }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decode(Int.self, forKey: .schema)
        scenario = try c.decode(Scenario.self, forKey: .scenario)
        file = try c.decode(String.self, forKey: .file)
        startedAt = try c.decode(String.self, forKey: .startedAt)
        host = try c.decode(RunHost.self, forKey: .host)
        points = try c.decode([PointReport].self, forKey: .points)
        notes = try c.decodeIfPresent([String].self, forKey: .notes)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(file, forKey: .file)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(host, forKey: .host)
        try c.encode(points, forKey: .points)
        try c.encodeIfPresent(notes, forKey: .notes)
        try c.encode(passed, forKey: .passed)
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// A report read back from `json()`'s output.
    public static func decode(_ data: Data) throws -> RunReport { try JSONDecoder().decode(RunReport.self, from: data) }
}

/// The machine a run ran on.
public struct RunHost: Sendable, Codable, Equatable {
    /// CPUs this process may run on.
    public var cpus: [Int]
    public var kernel: String
    public var hostname: String

    public init(cpus: [Int], kernel: String, hostname: String) {
        self.cpus = cpus
        self.kernel = kernel
        self.hostname = hostname
    }
}
