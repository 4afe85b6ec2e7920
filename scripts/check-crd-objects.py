#!/usr/bin/env python3
"""Validates custom resources against a CRD's openAPIV3Schema, strictly: an object schema with
`properties` admits no other field (the API server would prune it silently), unless it sets
x-kubernetes-preserve-unknown-fields. A body without `spec` (a status write) is checked against the
schema of `status` alone.

Usage: check-crd-objects.py SCHEMA.json OBJECT.json...   (exit 1 when any object is invalid)
"""
import json
import sys

import jsonschema


def strict(schema):
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema.setdefault("additionalProperties", False)
        for value in schema.values():
            strict(value)
    elif isinstance(schema, list):
        for value in schema:
            strict(value)


def main():
    schema = json.load(open(sys.argv[1]))
    strict(schema)
    checker = jsonschema.FormatChecker()
    whole = jsonschema.Draft4Validator(schema, format_checker=checker)
    status = jsonschema.Draft4Validator(schema["properties"]["status"], format_checker=checker)
    invalid = 0
    for path in sys.argv[2:]:
        document = json.load(open(path))
        validator, value, prefix = (whole, document, []) if "spec" in document else (status, document.get("status", {}), ["status"])
        errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.path])
        for error in errors:
            print(f"{path}: {'.'.join(str(p) for p in prefix + list(error.path))}: {error.message}")
        invalid += 1 if errors else 0
    sys.exit(1 if invalid else 0)


if __name__ == "__main__":
    main()
