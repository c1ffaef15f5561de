import Glibc

/// Asks the kernel whether an address is readable without touching it from this
/// process: write(2) from an unreadable address fails with EFAULT where a load would
/// fault. The checker uses it only on the structural pointers it must follow before
/// it knows a heap's extent (an arena's address, a heap_info, a heap's last byte).
final class MemoryProbe {
    private var readEnd: Int32 = -1
    private var writeEnd: Int32 = -1

    init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        readEnd = fds[0]
        writeEnd = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// True if the first and the last byte of `address..<address + count` can be read.
    /// A range inside one mapping whose readable part is a prefix (as the model's heaps
    /// are: read-write from their start, PROT_NONE beyond) is then readable throughout.
    func isReadable(_ address: UInt, count: Int) -> Bool {
        guard count > 0, address != 0, address <= UInt.max - UInt(count) else { return false }
        return isByteReadable(address) && isByteReadable(address + UInt(count) - 1)
    }

    private func isByteReadable(_ address: UInt) -> Bool {
        guard writeEnd >= 0, let pointer = UnsafeRawPointer(bitPattern: address) else { return false }
        guard write(writeEnd, pointer, 1) == 1 else { return false }
        var byte: UInt8 = 0
        _ = read(readEnd, &byte, 1)
        return true
    }
}
