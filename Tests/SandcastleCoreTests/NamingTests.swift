import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite struct NamingTests {
    static let namespace = try! Template(parsing: "pr-{{number}}-{{repo}}")
    static let host = try! Template(parsing: "{{repo}}-pr-{{number}}")
    static let withOwner = try! Template(parsing: "pr-{{number}}-{{owner}}-{{repo}}")
    static let database = try! Template(parsing: "sc_{{repo}}_{{number}}")

    @Test(arguments: [
        ("acme", "shop", 42, "pr-42-shop"),
        ("Acme", "Shop", 42, "pr-42-shop"),
        ("acme", "web-app", 1, "pr-1-web-app"),
        ("acme", "kube-system", 3, "pr-3-kube-system"),
    ])
    func readableNamesWhenExact(owner: String, repo: String, number: Int, expected: String) {
        let key = PreviewKey(repository: RepositoryName(owner: owner, name: repo), number: number)
        #expect(NameScheme.dnsLabel.name(for: key, template: Self.namespace) == expected)
    }

    @Test(arguments: [
        ("acme", "My.Repo", 7, "pr-7-my-repo--"),
        ("acme", "web_app", 7, "pr-7-web-app--"),
        ("acme", "a--b", 7, "pr-7-a-b--"),
        ("acme", "日本語", 7, "pr-7--"),
    ])
    func lossyNamesGetAStableHash(owner: String, repo: String, number: Int, prefix: String) {
        let key = PreviewKey(repository: RepositoryName(owner: owner, name: repo), number: number)
        let name = NameScheme.dnsLabel.name(for: key, template: Self.namespace)
        #expect(name.hasPrefix(prefix))
        #expect(name.count == prefix.count + NameScheme.hashLength)
        #expect(NameScheme.dnsLabel.isValid(name))
        #expect(name == NameScheme.dnsLabel.name(for: key, template: Self.namespace), "deterministic")
    }

    @Test func longNamesAreCutToSixtyThreeWithAHash() {
        let key = PreviewKey(repository: RepositoryName(owner: "acme", name: String(repeating: "a", count: 100)), number: 123_456)
        let name = NameScheme.dnsLabel.name(for: key, template: Self.namespace)
        #expect(name.count <= 63)
        #expect(name.hasPrefix("pr-123456-aaaa"))
        #expect(name.contains("--"))
    }

    @Test func databaseIdentifiersAreSafe() {
        let plain = NameScheme.postgres.name(for: Make.key(42), template: Self.database)
        #expect(plain == "sc_shop_42")
        let hostile = PreviewKey(repository: RepositoryName(owner: "x", name: "Robert'); DROP TABLE students;--"), number: 1)
        let name = NameScheme.postgres.name(for: hostile, template: Self.database)
        #expect(NameScheme.postgres.isValid(name))
        #expect(name.hasPrefix("sc_robert_drop_table_students"))
    }

    @Test(arguments: [
        ("pr-{{number}}-{{repo}}", true), ("{{repo}}-pr-{{number}}", true), ("pr{{number}}{{repo}}", false),
        ("pr-{{number}}-{{owner}}-{{repo}}", false), ("pr-{{repo}}", false), ("p1{{number}}-{{repo}}", false),
        ("pr--{{number}}-{{repo}}", false),
    ])
    func unambiguousTemplates(source: String, expected: Bool) throws {
        #expect(try Template(parsing: source).isUnambiguousName == expected)
    }

    /// 100,000 random (owner, repo, number) inputs: every name is valid, starts with the template's
    /// fixed prefix, and distinct inputs never share a name.
    @Test func propertyValidPrefixBoundAndCollisionFree() {
        var random = SplitMix64(seed: 0x5A4D_C457)
        var namespaces: [String: String] = [:]
        var hosts: [String: String] = [:]
        var owned: [String: String] = [:]
        var databases: [String: String] = [:]
        var collisions: [String] = []
        for _ in 0..<100_000 {
            let owner = random.name()
            let repo = random.name()
            let number = random.number()
            let key = PreviewKey(repository: RepositoryName(owner: owner, name: repo), number: number)
            let identity = "\(owner.lowercased())/\(repo.lowercased())#\(number)"
            let repoIdentity = "\(repo.lowercased())#\(number)"
            let fixedOwner = PreviewKey(repository: RepositoryName(owner: "acme", name: repo), number: number)

            let ns = NameScheme.dnsLabel.name(for: fixedOwner, template: Self.namespace)
            let host = NameScheme.dnsLabel.name(for: fixedOwner, template: Self.host)
            let withOwner = NameScheme.dnsLabel.name(for: key, template: Self.withOwner)
            let db = NameScheme.postgres.name(for: fixedOwner, template: Self.database)

            for name in [ns, host, withOwner] {
                #expect(NameScheme.dnsLabel.isValid(name), "\(name) from \(identity)")
            }
            #expect(NameScheme.postgres.isValid(db), "\(db) from \(identity)")
            #expect(ns.hasPrefix("pr-") && withOwner.hasPrefix("pr-") && db.hasPrefix("sc_"))
            #expect(ns != "kube-system" && ns != "default")

            if let other = namespaces.updateValue(repoIdentity, forKey: ns), other != repoIdentity {
                collisions.append("ns \(ns): \(other) vs \(repoIdentity)")
            }
            if let other = hosts.updateValue(repoIdentity, forKey: host), other != repoIdentity {
                collisions.append("host \(host): \(other) vs \(repoIdentity)")
            }
            if let other = owned.updateValue(identity, forKey: withOwner), other != identity {
                collisions.append("owned \(withOwner): \(other) vs \(identity)")
            }
            if let other = databases.updateValue(repoIdentity, forKey: db), other != repoIdentity {
                collisions.append("db \(db): \(other) vs \(repoIdentity)")
            }
        }
        #expect(collisions.isEmpty, "\(collisions.prefix(5))")
        #expect(namespaces.count > 90_000, "the generator produced enough distinct inputs")
    }
}

/// A small deterministic generator so that a failing input can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    static let pieces: [String] = [
        "a", "b", "z", "0", "9", "-", "_", ".", "--", "A", "Z", "é", "ß", "日本", "🙂", " ", "/", "'", "\"", ";", "İ",
        "kube-system", "default", "shop", "WEB", "x", "\u{0301}", "Ω",
    ]

    /// A name mixing ASCII, punctuation and Unicode; sometimes very long.
    mutating func name() -> String {
        let length = below(10) == 0 ? 40 + below(120) : 1 + below(12)
        var out = ""
        for _ in 0..<length { out += SplitMix64.pieces[below(SplitMix64.pieces.count)] }
        return out
    }

    mutating func number() -> Int { below(4) == 0 ? 1 + below(9) : 1 + below(10_000_000) }
}
