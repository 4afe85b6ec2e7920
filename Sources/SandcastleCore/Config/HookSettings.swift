import Foundation

/// Jobs run in the preview after each deploy.
public struct HookSettings: Sendable, Hashable {
    public var seed: JobHook?
    public var verify: JobHook?
}

/// One hook Job.
public struct JobHook: Sendable, Hashable {
    public var image: String
    public var command: [String]
    /// The container's `args`; `{{ }}` variables in `command` and `args` are filled in as in bundles.
    public var args: [String]
    /// Extra environment variables (plain values or references to the preview's Secrets and ConfigMaps).
    public var env: [HookEnvVar]
    /// Secrets and ConfigMaps of the preview namespace loaded whole (`envFrom`).
    public var envFrom: [HookEnvSource]
    /// `activeDeadlineSeconds` of the Job.
    public var timeout: ConfigDuration
    /// How long to wait, after the seed succeeded (or the preview became ready), before the verify
    /// Job starts; verify only.
    public var delay: ConfigDuration?

    public init(
        image: String, command: [String], args: [String] = [], env: [HookEnvVar] = [], envFrom: [HookEnvSource] = [],
        timeout: ConfigDuration, delay: ConfigDuration? = nil
    ) {
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.envFrom = envFrom
        self.timeout = timeout
        self.delay = delay
    }
}

/// One `env` entry of a hook container.
public struct HookEnvVar: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case value(String)
        case secretKey(name: String, key: String)
        case configMapKey(name: String, key: String)
    }

    public var name: String
    public var source: Source

    public init(name: String, source: Source) {
        self.name = name
        self.source = source
    }
}

/// One `envFrom` entry of a hook container: a Secret or ConfigMap in the preview namespace.
public struct HookEnvSource: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case secret, configMap }

    public var kind: Kind
    public var name: String

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }
}

extension HookEnvVar {
    /// A C identifier, as shells and most runtimes read environment variable names.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), name.utf8.count <= 256 else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
