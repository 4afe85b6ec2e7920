/// Labels and annotations that mark an object as Sandcastle's and say which preview it belongs to.
public enum Ownership {
    public static let managedByLabel = "app.kubernetes.io/managed-by"
    public static let managedByValue = "sandcastle"
    public static let repositoryLabel = "sandcastle.dev/repository"
    public static let prLabel = "sandcastle.dev/pr"
    public static let repositoryAnnotation = "sandcastle.dev/repository"
    public static let headSHAAnnotation = "sandcastle.dev/head-sha"
    public static let hostAnnotation = "sandcastle.dev/host"

    /// Labels put on every object of a preview.
    public static func labels(for key: PreviewKey) -> [String: String] {
        [managedByLabel: managedByValue, repositoryLabel: repositoryLabelValue(key.repository), prLabel: String(key.number)]
    }

    /// `owner.repo` lowercased when that is a valid label value, otherwise a hashed DNS label.
    ///
    /// Owners never contain a dot, so the first dot separates owner from repository: the mapping
    /// is one-to-one.
    public static func repositoryLabelValue(_ repository: RepositoryName) -> String {
        let plain = "\(repository.owner).\(repository.name)".lowercased()
        let valid =
            plain.count <= 63 && plain.unicodeScalars.first?.isLowerAlphanumeric == true
            && plain.unicodeScalars.last?.isLowerAlphanumeric == true
            && plain.unicodeScalars.allSatisfy { $0.isLowerAlphanumeric || "._-".unicodeScalars.contains($0) }
        if valid { return plain }
        return NameScheme.dnsLabel.name(for: PreviewKey(repository: repository, number: 0), template: repositoryTemplate)
    }

    private static let repositoryTemplate = try! Template(parsing: "repo-{{owner}}-{{repo}}-{{number}}")
}
