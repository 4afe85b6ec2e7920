/// The ClusterRole Flux impersonates for previews (`sandcastle flux role`): full access to the
/// namespaced kinds a bundle may contain (not the baselines Sandcastle applies itself: a bundle
/// cannot raise its quota or open its network policy), and nothing else. Sandcastle binds it in each preview
/// namespace only (a RoleBinding), to that preview's ServiceAccount: the bundle contract (allowed
/// kinds, no cluster-scoped objects, no foreign namespace) is enforced by the API server where
/// Sandcastle does not render.
public enum FluxDeployerRole {
    public static let name = "sandcastle-flux-deployer"
    /// The RoleBinding in each preview namespace.
    public static let bindingName = "sandcastle-flux-deployer"

    /// The ClusterRole for the repositories of `config`. A Helm release also keeps its state in
    /// Secrets of the preview namespace, which are always included.
    public static func object(for config: SandcastleConfig) -> ManifestObject {
        var byGroup: [String: [String]] = [:]
        for (group, kind) in ArgoCDProject.bundleKinds(of: config) + [(group: "", kind: "Secret")] {
            let plural = plural(of: kind)
            if !(byGroup[group] ?? []).contains(plural) { byGroup[group, default: []].append(plural) }
        }
        let rules: [ManifestValue] = byGroup.keys.sorted().map { group in
            [
                "apiGroups": [.string(group == "*" ? "*" : group)], "resources": .array(byGroup[group]!.sorted().map(ManifestValue.string)),
                "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
            ]
        }
        return [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": ["name": .string(name), "labels": .strings([Ownership.managedByLabel: Ownership.managedByValue])],
            "rules": .array(rules),
        ]
    }

    /// The resource name of a kind, as the API server names it (English plural, lowercased).
    public static func plural(of kind: String) -> String {
        let lower = kind.lowercased()
        if lower.hasSuffix("y"), !["ay", "ey", "oy", "uy"].contains(where: lower.hasSuffix) { return String(lower.dropLast()) + "ies" }
        if lower.hasSuffix("s") || lower.hasSuffix("x") || lower.hasSuffix("ch") || lower.hasSuffix("sh") { return lower + "es" }
        return lower + "s"
    }
}
