/// Reads the text of a trace (see `Trace` for the format), byte by byte; the first
/// thing wrong is thrown with its line and column. glibc-replay's parser in C reads
/// the same grammar and says the same things.
import ArenaModel

struct TraceParser {
    private let text: UnsafeRawBufferPointer
    private let path: String
    private var position = 0
    private var lineStart = 0
    private var line = 0
    /// The threads alive (at most `Trace.threadLimit`) and those that have exited.
    private var alive = Set<Int>(), exited = Set<Int>()
    /// The trace's first thread: the main thread, which cannot exit.
    private var mainThread: Int? = nil
    private var version = 2

    static func parse(_ text: UnsafeRawBufferPointer, path: String) throws(TraceError) -> Trace {
        var parser = TraceParser(text: text, path: path)
        return try parser.parse()
    }

    private init(text: UnsafeRawBufferPointer, path: String) {
        self.text = text
        self.path = path
    }

    private static let space: UInt8 = 0x20, tab: UInt8 = 0x09, newline: UInt8 = 0x0a, hash: UInt8 = 0x23

    private mutating func parse() throws(TraceError) -> Trace {
        var trace = Trace()
        var headerSeen = false
        while position < text.count {
            line += 1
            lineStart = position
            skipBlanks()
            if atLineEnd {
                position += 1
                continue
            }
            if text[position] == TraceParser.hash {
                let start = position + 1
                while !atLineEnd { position += 1 }
                var comment = String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<position]), as: UTF8.self)
                var commentStart = start
                if comment.hasPrefix(" ") {
                    comment.removeFirst()
                    commentStart += 1
                }
                var tunables = Tunables()
                if let wrong = tunables.apply(traceComment: comment) {
                    throw error(at: commentStart + wrong.offset, wrong.message)
                }
                trace.comments.append(comment)
                position += 1
                continue
            }
            if !headerSeen {
                try header()
                headerSeen = true
                continue
            }
            trace.events.append(try event())
        }
        if !headerSeen {
            line = max(line, 1)
            throw error(at: position, "not a trace: expected `\(Trace.header)`")
        }
        return trace
    }

    private var atLineEnd: Bool { position >= text.count || text[position] == TraceParser.newline }

    private mutating func skipBlanks() {
        while position < text.count && (text[position] == TraceParser.space || text[position] == TraceParser.tab) {
            position += 1
        }
    }

    private func error(at offset: Int, _ message: String) -> TraceError {
        TraceError(path: path, line: line, column: offset - lineStart + 1, message: message)
    }

    private mutating func endOfLine(_ what: String) throws(TraceError) {
        skipBlanks()
        if !atLineEnd { throw error(at: position, "unexpected text after the \(what)") }
        position += 1
    }

    private mutating func header() throws(TraceError) {
        let start = position
        for (i, header) in Trace.readableHeaders.enumerated() {
            let expected = Array(header.utf8)
            if text.count - position >= expected.count, expected.indices.allSatisfy({ text[position + $0] == expected[$0] }) {
                position += expected.count
                version = 2 - i  // readableHeaders lists the newest first
                try endOfLine("header")
                return
            }
        }
        throw error(at: start, "not a trace: expected `\(Trace.header)`")
    }

    /// The next field: its start and its bytes up to a blank or the line's end.
    private mutating func word() -> Range<Int> {
        skipBlanks()
        let start = position
        while !atLineEnd && text[position] != TraceParser.space && text[position] != TraceParser.tab { position += 1 }
        return start..<position
    }

    private mutating func number(_ missing: String) throws(TraceError) -> Int {
        let field = word()
        if field.isEmpty { throw error(at: field.lowerBound, missing) }
        var value = 0
        for i in field {
            let digit = Int(text[i]) - 0x30
            guard (0...9).contains(digit) else { throw error(at: field.lowerBound, "expected a decimal number") }
            guard value <= (Int.max - digit) / 10 else { throw error(at: field.lowerBound, "number too large") }
            value = value * 10 + digit
        }
        return value
    }

    private mutating func slot() throws(TraceError) -> Int {
        skipBlanks()
        let start = position
        let slot = try number("missing slot")
        if slot >= Trace.slotLimit { throw error(at: start, "slot out of range") }
        return slot
    }

    private mutating func event() throws(TraceError) -> TraceEvent {
        let threadStart = position
        let thread = try number("expected a thread number")
        if !alive.contains(thread) {
            if exited.contains(thread) { throw error(at: threadStart, "the thread has exited") }
            if alive.count == Trace.threadLimit {
                throw error(at: threadStart, "more than \(Trace.threadLimit) threads alive at once")
            }
            alive.insert(thread)
            if mainThread == nil { mainThread = thread }
        }
        let name = word()
        let op: TraceEvent.Op
        switch OpName(text, name) {
        case .malloc:
            let size = try number("missing argument")
            op = .malloc(size: size, slot: try slot())
        case .calloc:
            let count = try number("missing argument"), size = try number("missing argument")
            op = .calloc(count: count, size: size, slot: try slot())
        case .realloc:
            let size = try number("missing argument")
            op = .realloc(size: size, slot: try slot())
        case .memalign:
            let alignment = try number("missing argument"), size = try number("missing argument")
            op = .memalign(alignment: alignment, size: size, slot: try slot())
        case .free:
            op = .free(slot: try slot())
        case .trim:
            op = .trim(pad: try number("missing argument"))
        case .exit:
            if version < 2 { throw error(at: name.lowerBound, "`exit` needs a version-2 trace") }
            if thread == mainThread { throw error(at: threadStart, "the main thread (the trace's first) cannot exit") }
            op = .exit
            alive.remove(thread)
            exited.insert(thread)
        case nil:
            throw error(at: name.lowerBound, name.isEmpty ? "expected an op" : "unknown op")
        }
        try endOfLine("op")
        return TraceEvent(thread: thread, op)
    }

    private enum OpName: String, CaseIterable {
        case malloc, calloc, realloc, memalign, free, trim, exit

        private static let spellings = OpName.allCases.map { ($0, Array($0.rawValue.utf8)) }

        /// The op named by the bytes `field` of `text`, compared without making a String.
        init?(_ text: UnsafeRawBufferPointer, _ field: Range<Int>) {
            for (name, spelling) in OpName.spellings where spelling.count == field.count {
                var i = 0
                while i < spelling.count && spelling[i] == text[field.lowerBound + i] { i += 1 }
                if i == spelling.count {
                    self = name
                    return
                }
            }
            return nil
        }
    }
}
