import Foundation

/// The scenario files the repository ships, found under a folder and its subfolders.
enum ShippedScenarios {
    static func files(under root: String) throws -> [String] {
        let names = try FileManager.default.subpathsOfDirectory(atPath: root)
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { root + "/" + $0 }
    }
}
