import CNuma
import Glibc

/// The system calls placement makes on memory, behind closures so that a test can put a
/// refusing kernel underneath (as a container's seccomp profile refuses mbind).
public struct MemoryBinder: Sendable {
    /// mbind(2) of `[address, address + length)` to `node` under `policy`: 0 or an errno.
    public var bind: @Sendable (_ address: UnsafeMutableRawPointer, _ length: Int, _ policy: MemoryPolicy, _ node: Int) -> Int32
    /// move_pages(2) with no target nodes: each page's node, or a negative errno for a page
    /// (-ENOENT: not present), in order; a failure when the call itself is refused.
    public var locate: @Sendable (_ pages: [UnsafeMutableRawPointer]) -> Result<[Int32], BindingError>

    public init(bind: @escaping @Sendable (UnsafeMutableRawPointer, Int, MemoryPolicy, Int) -> Int32,
                locate: @escaping @Sendable ([UnsafeMutableRawPointer]) -> Result<[Int32], BindingError>) {
        self.bind = bind
        self.locate = locate
    }

    /// The kernel's mbind and move_pages.
    public static let system = MemoryBinder(
        bind: { address, length, policy, node in
            let mode: Int32
            switch policy {
            case .bind: mode = MPOL_BIND
            case .preferred: mode = MPOL_PREFERRED
            case .none: return 0
            }
            // The kernel reads maxnode - 1 bits of the mask (libnuma passes size + 1 too).
            var mask = [UInt](repeating: 0, count: node / UInt.bitWidth + 1)
            mask[node / UInt.bitWidth] = 1 << UInt(node % UInt.bitWidth)
            let status = mask.withUnsafeBufferPointer {
                mbind(address, UInt(length), mode, $0.baseAddress, UInt($0.count * UInt.bitWidth + 1), 0)
            }
            return status == 0 ? 0 : errno
        },
        locate: { pages in
            guard !pages.isEmpty else { return .success([]) }
            var addresses = pages.map { Optional(UnsafeMutableRawPointer($0)) }
            var status = [Int32](repeating: 0, count: pages.count)
            let result = move_pages(0, UInt(pages.count), &addresses, nil, &status, 0)
            return result < 0 ? .failure(BindingError(call: "move_pages", errno: errno)) : .success(status)
        })

    /// A kernel that refuses every mbind with `code` (EPERM, as in a container) and
    /// answers move_pages as this one does.
    public static func refusingBind(_ code: Int32 = EPERM) -> MemoryBinder {
        MemoryBinder(bind: { _, _, _, _ in code }, locate: MemoryBinder.system.locate)
    }

    /// Tries a real binding on a page of its own: mbind it to `node` under `policy`
    /// (MPOL_BIND when the policy is none), touch it, and ask move_pages where it went.
    /// numa_available() is not enough: it answers yes where mbind is refused.
    public func probe(node: Int, policy: MemoryPolicy) -> BindingProbe {
        let length = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let page = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), page != MAP_FAILED else {
            return BindingProbe(binds: false, locates: false, note: "mbind not tried: mmap failed (\(String(cString: strerror(errno))))")
        }
        defer { munmap(page, length) }
        let code = bind(page, length, policy == .none ? .bind : policy, node)
        page.storeBytes(of: 1, as: UInt8.self)
        let located: Bool
        switch locate([page]) {
        case .success(let status): located = status.first.map { $0 >= 0 } ?? false
        case .failure: located = false
        }
        guard code == 0 else {
            return BindingProbe(binds: false, locates: located,
                                note: "mbind refused (\(BindingError.name(code)): \(String(cString: strerror(code))))")
        }
        return BindingProbe(binds: true, locates: located, note: located ? "mbind and move_pages work" : "mbind works; move_pages does not")
    }
}

/// What a probe of memory binding found.
public struct BindingProbe: Sendable, Equatable {
    /// mbind accepted a policy.
    public var binds: Bool
    /// move_pages told a page's node.
    public var locates: Bool
    /// One line: what worked, or which call the kernel refused and why.
    public var note: String

    public init(binds: Bool, locates: Bool, note: String) {
        self.binds = binds
        self.locates = locates
        self.note = note
    }
}

/// A system call placement needs that the kernel refused.
public struct BindingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call) refused (\(Self.name(errno)): \(String(cString: strerror(errno))))" }

    /// The symbolic name of the errnos mbind and move_pages give.
    static func name(_ code: Int32) -> String {
        switch code {
        case EPERM: "EPERM"
        case EINVAL: "EINVAL"
        case ENOSYS: "ENOSYS"
        case EFAULT: "EFAULT"
        case ENOMEM: "ENOMEM"
        case EIO: "EIO"
        case ENOENT: "ENOENT"
        default: "errno \(code)"
        }
    }
}
