#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit, which caps how many connections `sse listen` and `sse serve`
/// can hold.
enum OpenFileLimit {
    /// Raises the soft open-file limit (`RLIMIT_NOFILE`) to the hard limit, as servers do, so the
    /// process can hold as many connections as the system allows it; does nothing if it cannot.
    static func raiseToHardLimit() {
        #if os(Linux)
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(resource, &limit)
    }
}
