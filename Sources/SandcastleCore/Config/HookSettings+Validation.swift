/// Checks of `hooks.seed` and `hooks.verify` once they are read: an image reference, a verify
/// delay of at most an hour, environment names a container takes and Sandcastle does not set,
/// object names the API server accepts. Each rule names the field it came from.
extension ConfigValidation {
    static func checkHooks(_ hooks: HookSettings, _ nodes: [String: ConfigNode], reader: inout ConfigReader) {
        for (hook, node) in [(hooks.seed, nodes["seed"]), (hooks.verify, nodes["verify"])] {
            guard let hook, let node else { continue }
            checkHook(hook, children(node), reader: &reader)
        }
    }

    static func checkHook(_ hook: JobHook, _ f: [String: ConfigNode], reader: inout ConfigReader) {
        if let node = f["image"], ImageReference(parsing: hook.image) == nil { reader.fail(node, "'\(hook.image)' is not an image reference") }
        if let node = f["delay"], let delay = hook.delay, delay.seconds > 3600 { reader.fail(node, "'delay' must be at most 1h") }
        for (variable, item) in aligned(hook.env, f["env"].map(items) ?? []) {
            let e = children(item)
            let nameNode = e["name"] ?? item
            if !HookEnvVar.isValidName(variable.name) {
                reader.fail(nameNode, "'\(variable.name)' is not an environment variable name (letters, digits and '_', not starting with a digit)")
            } else if variable.name.hasPrefix("SANDCASTLE_") {
                reader.fail(nameNode, "'\(variable.name)': names starting with SANDCASTLE_ are set by Sandcastle")
            }
            switch variable.source {
            case .value: break
            case .secretKey(let name, _), .configMapKey(let name, _):
                if !isDNSSubdomain(name) {
                    reader.fail(
                        e["secretKeyRef"] ?? e["configMapKeyRef"] ?? item,
                        "'\(name)' is not a valid object name (lowercase letters, digits, '-' and '.')")
                }
            }
        }
        for (source, item) in aligned(hook.envFrom, f["envFrom"].map(items) ?? []) where !isDNSSubdomain(source.name) {
            let ref = children(item)[source.kind == .secret ? "secretRef" : "configMapRef"].map(children)
            reader.fail(ref?["name"] ?? item, "'\(source.name)' is not a valid object name (lowercase letters, digits, '-' and '.')")
        }
    }
}
