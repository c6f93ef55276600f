#!/usr/bin/env python3
"""Validate sandbox profiles against schemas/profile.schema.json.

Usage: scripts/validate-schema.py [--schema FILE] PROFILE|DIR...

TOML files are read with tomllib and YAML files with PyYAML, converted to JSON data and checked
with python3-jsonschema (draft 2020-12). A directory stands for its *.toml, *.yaml and *.yml
files. Exit status: 0 all valid, 1 some invalid, 2 usage or missing modules.

The schema checks shape only (keys, types, ranges); `sandbox validate` also checks names
against libseccomp/libcap and the cross-field rules.
"""
import json
import os
import sys


def load(path):
    if path.endswith(".toml"):
        import tomllib

        with open(path, "rb") as f:
            return tomllib.load(f)
    import yaml

    with open(path, "r", encoding="utf-8") as f:
        return yaml.safe_load(f)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    schema_path = os.path.join(here, "..", "schemas", "profile.schema.json")
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--schema":
        schema_path = args[1]
        args = args[2:]
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        import jsonschema
        import yaml  # noqa: F401
    except ImportError as e:
        print(f"validate-schema: {e}", file=sys.stderr)
        return 2
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    files = []
    for a in args:
        if os.path.isdir(a):
            files += sorted(
                os.path.join(a, n)
                for n in os.listdir(a)
                if n.endswith((".toml", ".yaml", ".yml"))
            )
        else:
            files.append(a)

    bad = 0
    for path in files:
        try:
            data = load(path)
        except Exception as e:  # a parse error is a failure of this file, not of the run
            print(f"{path}: cannot read: {e}")
            bad += 1
            continue
        # Round-trip through JSON: what the schema sees is what a JSON tool would see.
        data = json.loads(json.dumps(data, default=str))
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = ".".join(str(p) for p in e.absolute_path) or "(top level)"
            print(f"{path}: {where}: {e.message}")
        if errors:
            bad += 1
        else:
            print(f"{path}: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
