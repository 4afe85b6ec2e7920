import Foundation

extension Subprocess {
    /// Limits for a program that reads untrusted input (Kustomize over a PR's bundle).
    public struct Confinement: Sendable, Hashable {
        /// Private writable memory (`RLIMIT_DATA`), which bounds a Go program's heap; address-space
        /// limits would not (the Go runtime reserves large ranges up front).
        public var memoryBytes = 512 << 20
        /// CPU seconds (`RLIMIT_CPU`).
        public var cpuSeconds = 30
        /// Wall-clock seconds, then the whole process group is killed.
        public var wallSeconds = 60
        /// Largest output, standard output and error each (`RLIMIT_FSIZE` on the capture files).
        public var outputBytes = 64 << 20

        public init() {}

        /// The limits in words, for error messages.
        public var summary: String {
            "\(memoryBytes >> 20) MiB of memory, \(cpuSeconds) s of CPU, \(wallSeconds) s in all, \(outputBytes >> 20) MiB of output"
        }
    }

    /// `unshare` arguments that give a program a network namespace of its own (no interface but
    /// a loopback that is down), where the kernel allows it; `nil` otherwise (e.g. a pod whose
    /// seccomp profile forbids new namespaces). Probed once.
    static let isolatedNetwork: [String]? = {
        guard let unshare = locate("unshare") else { return nil }
        for flags in [["--net", "--map-root-user"], ["--net"]] {
            if let probe = try? run(unshare, flags + ["--", "/bin/true"]), probe.status == 0 { return [unshare] + flags + ["--"] }
        }
        return nil
    }()

    /// The environment of a confined program: no proxy that works (every HTTP(S) request goes to a
    /// closed port), no git transport, no kubeconfig, a private home and temporary directory.
    static func confinedEnvironment(scratch: String) -> [String: String] {
        let closed = "http://127.0.0.1:1"
        return [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "KUBECONFIG": "/dev/null",
            "HTTP_PROXY": closed, "HTTPS_PROXY": closed, "http_proxy": closed, "https_proxy": closed, "ALL_PROXY": closed, "NO_PROXY": "",
            "no_proxy": "", "GIT_ALLOW_PROTOCOL": "sandcastle-none", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_TERMINAL_PROMPT": "0", "GOMEMLIMIT": "384MiB",
        ]
    }

    /// Runs `executable` under `limits` in its own process group (GNU `timeout`, which kills the
    /// group), in a network namespace of its own where the kernel allows it
    /// (``isolatedNetwork``; proxies alone do not cover loopback addresses, which Go never
    /// proxies), with ``confinedEnvironment(scratch:)`` and standard input closed. `exceeded` is
    /// set when a limit ended it: the wall clock, CPU, memory or output size. Nothing is left
    /// behind: the group is killed on the wall limit, and the scratch directory is removed.
    public static func runConfined(_ executable: String, _ arguments: [String], limits: Confinement) throws -> (result: Result, exceeded: Bool) {
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("sandcastle-confined-\(UUID().uuidString)")
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        let home = scratch.appendingPathComponent("home")
        try fm.createDirectory(at: home, withIntermediateDirectories: true)
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = fm.createFile(atPath: outURL.path, contents: nil)
        _ = fm.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let shell =
            "ulimit -d \(limits.memoryBytes / 1024) && ulimit -t \(limits.cpuSeconds) && ulimit -f \(limits.outputBytes / 512) && exec \"$0\" \"$@\""
        let timeout = locate("timeout")
        var command = (isolatedNetwork ?? []) + ["/bin/sh", "-c", shell, executable] + arguments
        if let timeout { command = [timeout, "-s", "KILL", "\(limits.wallSeconds)"] + command }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = confinedEnvironment(scratch: home.path)
        process.currentDirectoryURL = home
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        // Without `timeout` (not expected on Debian), the wall limit is kept from here.
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        if timeout == nil { DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(limits.wallSeconds), execute: watchdog) }
        process.waitUntilExit()
        watchdog.cancel()
        let status = process.terminationStatus
        let outSize = (try? fm.attributesOfItem(atPath: outURL.path)[.size] as? Int) ?? 0
        let exceeded =
            process.terminationReason == .uncaughtSignal || status == 137 || status == 124
            || Date().timeIntervalSince(started) >= Double(limits.wallSeconds) || outSize >= limits.outputBytes
            || [Int32(128) + SIGXCPU, 128 + SIGXFSZ, 128 + SIGKILL].contains(status)
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        let outOfMemory = stderr.contains("out of memory") || stderr.contains("cannot allocate memory")
        return (
            Result(status: status, stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self), stderr: stderr),
            exceeded || outOfMemory
        )
    }
}
