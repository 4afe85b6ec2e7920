#!/usr/bin/env python3
"""Prints, for each GROUP/VERSION/KIND given, the paths of its metav1.Time and metav1.MicroTime
fields, read from the official OpenAPI schemas that kubernetes-validate ships.

Usage: kube-time-fields.py VERSION GVK...   (e.g. 1.32.0 coordination.k8s.io/v1/Lease v1/Namespace)
Output: one line per field: GVK<TAB>PATH<TAB>Time|MicroTime. Arrays are written `[]`, map values `{}`.
"""
import json
import os
import sys

import kubernetes_validate

TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
MICRO = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"


def main():
    version, kinds = sys.argv[1], sys.argv[2:]
    root = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema", f"v{version}-local-strict")
    definitions = json.load(open(os.path.join(root, "_definitions.json")))["$defs"]
    by_gvk = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            key = (gvk["group"] + "/" if gvk["group"] else "") + gvk["version"] + "/" + gvk["kind"]
            by_gvk.setdefault(key, name)

    def walk(schema, path, seen, out):
        ref = schema.get("$ref")
        if ref:
            name = ref.split("/")[-1]
            if name == TIME:
                out.append((path, "Time"))
                return
            if name == MICRO:
                out.append((path, "MicroTime"))
                return
            if name in seen:
                return
            walk(definitions[name], path, seen | {name}, out)
            return
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(key, []):
                walk(sub, path, seen, out)
        for field, sub in (schema.get("properties") or {}).items():
            walk(sub, f"{path}.{field}" if path else field, seen, out)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], path + "[]", seen, out)
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], path + "{}", seen, out)

    for gvk in kinds:
        name = by_gvk.get(gvk)
        if name is None:
            print(f"unknown kind {gvk}", file=sys.stderr)
            sys.exit(2)
        out = []
        walk(definitions[name], "", {name}, out)
        for path, kind in sorted(set(out)):
            print(f"{gvk}\t{path}\t{kind}")


if __name__ == "__main__":
    main()
