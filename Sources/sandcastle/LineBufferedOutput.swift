#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    @preconcurrency import Darwin
#endif

/// Standard output written line by line even when it is a file or a pipe (`demo --hold > demo.log`),
/// so a long-running command's progress is readable while it runs.
enum LineBufferedOutput {
    static func enable() { setvbuf(stdout, nil, _IOLBF, 0) }
}
