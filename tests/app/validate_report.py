#!/usr/bin/env python3
# Validates a final_report.json against docs/report-schema.json. Uses the jsonschema package when it is
# installed; otherwise a small validator for exactly the keywords the schema uses (so the CLI tests need
# nothing beyond python3). Unknown keywords make the fallback fail loudly rather than pass silently.
# usage: validate_report.py SCHEMA REPORT...
import json
import re
import sys

KNOWN = {"$schema", "$id", "title", "description", "type", "required", "properties", "$defs", "$ref", "const",
         "enum", "pattern", "items", "minItems", "maxItems", "minimum", "additionalProperties"}


def check(value, schema, root, path, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        raise SystemExit(f"validate_report.py: schema keyword(s) {sorted(unknown)} at {path} are not supported")
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        check(value, node, root, path, errors)
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    t = schema.get("type")
    if t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, float) and value.is_integer())
    elif t == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t:
        ok = isinstance(value, types[t])
    else:
        ok = True
    if not ok:
        errors.append(f"{path}: expected {t}, got {type(value).__name__}")
        return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: expected {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing {key!r}")
        props = schema.get("properties", {})
        for key, v in value.items():
            if key in props:
                check(v, props[key], root, f"{path}.{key}", errors)
            elif isinstance(schema.get("additionalProperties"), dict):
                check(v, schema["additionalProperties"], root, f"{path}.{key}", errors)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, v in enumerate(value):
                check(v, schema["items"], root, f"{path}[{i}]", errors)


def main():
    schema = json.load(open(sys.argv[1]))
    failed = False
    for report_path in sys.argv[2:]:
        report = json.load(open(report_path))
        try:
            import jsonschema
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                      for e in jsonschema.Draft202012Validator(schema).iter_errors(report)]
        except ImportError:
            errors = []
            check(report, schema, schema, "$", errors)
        for e in errors:
            print(f"{report_path}: {e}")
        failed = failed or bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
