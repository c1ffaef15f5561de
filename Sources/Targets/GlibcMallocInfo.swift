import Glibc

/// glibc's `malloc_info(0, stream)`: its XML description of every arena, read through a
/// memory stream. Looked up by name (Swift's Glibc module lacks <malloc.h>).
public enum GlibcMallocInfo {
    private typealias Function = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32

    /// The XML, or nil where the call or the stream fails.
    public static func xml() -> String? {
        guard let symbol = dlsym(nil, "malloc_info") else { return nil }
        let function = unsafeBitCast(symbol, to: Function.self)
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        let status = function(0, stream)
        fclose(stream)
        defer { Glibc.free(buffer) }
        guard status == 0, let buffer else { return nil }
        return String(cString: buffer)
    }

    /// The arenas glibc has made (the main arena included): the `<heap nr=` elements of
    /// `xml`, one per arena.
    public static func arenas(in xml: String) -> Int {
        xml.split(separator: "<heap nr=", omittingEmptySubsequences: false).count - 1
    }
}
