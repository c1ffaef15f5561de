/// A violation as the checker first notes it, before it is dressed for people (hex
/// dump, operations): cheap to make, and only the first few of each invariant keep
/// their text at all.
struct Finding {
    let invariant: InvariantID
    let message: String
    /// Indices in `ModelMap.arenas` and `ModelMap.heaps`, where known.
    let arena: Int?
    let heap: Int?
    let chunk: UInt
    /// The word to point at in the hex dump (a field of `chunk`), or 0 for the header.
    let field: UInt
    let expected: String
    let actual: String
}

/// Every violation a check found: all of them counted, the first `detailLimit` of
/// each invariant kept with their text.
struct FindingLog {
    var findings: [Finding] = []
    var counts: [InvariantID: Int] = [:]
    let detailLimit: Int

    init(detailLimit: Int) { self.detailLimit = detailLimit }

    mutating func add(_ invariant: InvariantID, arena: Int? = nil, heap: Int? = nil, chunk: UInt = 0, field: UInt = 0,
                      message: @autoclosure () -> String, expected: @autoclosure () -> String, actual: @autoclosure () -> String) {
        let seen = counts[invariant, default: 0]
        counts[invariant] = seen + 1
        guard seen < detailLimit else { return }
        findings.append(Finding(invariant: invariant, message: message(), arena: arena, heap: heap, chunk: chunk,
                                field: field, expected: expected(), actual: actual()))
    }
}
