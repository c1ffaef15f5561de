import Foundation

/// The fuzzer's starting material, read once: scenario files (the small ones of the
/// corpus, which are also run, and others that are only validated), traces, reports,
/// and command lines with placeholders.
struct Corpus {
    /// A file of the corpus: its name (kept for the mutated copy) and its bytes.
    struct File {
        var name: String
        var bytes: [UInt8]
    }

    /// Scenarios small enough to run in a moment: `CORPUS/scenarios/`.
    var runnable: [File] = []
    /// Every scenario: the runnable ones and those of the `--scenarios` folders.
    var scenarios: [File] = []
    var traces: [File] = []
    var reports: [File] = []
    /// Lines of `CORPUS/commands.txt`, split at blanks.
    var commands: [[String]] = []

    /// Reads `directory` (scenarios/, traces/, reports/, commands.txt) and the scenario
    /// files under each of `scenarioFolders`; throws a message if something is missing.
    init(directory: String, scenarioFolders: [String]) throws {
        runnable = try Self.files(in: directory + "/scenarios", ending: ".yaml")
        traces = try Self.files(in: directory + "/traces", ending: ".trace")
        reports = try Self.files(in: directory + "/reports", ending: ".json")
        scenarios = runnable
        for folder in scenarioFolders { scenarios += try Self.files(in: folder, ending: ".yaml") }
        guard let text = try? String(contentsOfFile: directory + "/commands.txt", encoding: .utf8) else {
            throw FuzzError("\(directory)/commands.txt: cannot read it")
        }
        commands = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        for (what, files) in [("scenarios/", runnable), ("traces/", traces), ("reports/", reports)] where files.isEmpty {
            throw FuzzError("\(directory)/\(what): no files")
        }
        if commands.isEmpty { throw FuzzError("\(directory)/commands.txt: no command lines") }
    }

    /// The files ending in `ending` under `folder` and its subfolders, in name order.
    static func files(in folder: String, ending: String) throws -> [File] {
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: folder) else {
            throw FuzzError("\(folder): no such folder")
        }
        return try names.filter { $0.hasSuffix(ending) }.sorted().map { name in
            guard let data = FileManager.default.contents(atPath: folder + "/" + name) else { throw FuzzError("\(folder)/\(name): cannot read it") }
            return File(name: URL(fileURLWithPath: name).lastPathComponent, bytes: [UInt8](data))
        }
    }
}

/// Bad usage of the fuzzer or a corpus it cannot read: one line, exit 2.
struct FuzzError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
