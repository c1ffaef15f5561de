import CSupport

/// The CPUs this process may use.
func cs_allowed_cpus_wrapper(_ cpus: inout [Int32]) -> Int32 {
    cpus.withUnsafeMutableBufferPointer { cs_allowed_cpus($0.baseAddress, Int32($0.count)) }
}
