#!/usr/bin/env python3
"""Validates the marketplace simulator's responses against the published OpenAPI documents.

Input: a JSON-lines file of samples written by the simulator's contract test, one per line:
  {"spec": "allegro" | "allegro-messaging" | "mirakl", "method": "get", "path": "/sale/issues/{issueId}",
   "status": 200, "media_type": "application/vnd.allegro.beta.v1+json", "body": {...}}
Each body is validated against the response schema the document declares for that operation,
status and media type. The documents are read from ../shared/reference beside the checkout
(or $MARKETDESK_REFERENCE_DIR) and never copied into the project. Without them, it says it
skipped and exits 0.
"""

import json
import os
import re
import sys
from pathlib import Path

SPECS = {
    "allegro": "allegro-openapi-2026-07.yaml",
    "allegro-messaging": "allegro-openapi-2026-09-messaging.yaml",
    "mirakl": "mirakl-seller-openapi.json",
}


def load(path: Path):
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def allow_null_in_nullable_enums(node):
    """Allegro's documents mark enums `nullable: true` without listing null; jsonschema's enum
    check would then refuse the null that `nullable` allows. Treat such enums as allowing null."""
    if isinstance(node, dict):
        if node.get("nullable") is True and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = node["enum"] + [None]
        for value in node.values():
            allow_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            allow_null_in_nullable_enums(value)


NULL_WHEN = re.compile(r"\bNull when\b")


def allow_null_where_described(node):
    """Mirakl's document types some fields as plain strings while their description says
    "Null when ..." (M10/M11 `metadata.shop_reply_needed_since`: "Null when the shop has
    replied"; OR11 `acceptance_decision_date`). The description is what the API does; let
    those fields be null."""
    if isinstance(node, dict):
        description = node.get("description")
        kind = node.get("type")
        if isinstance(description, str) and NULL_WHEN.search(description) and isinstance(kind, str):
            node["type"] = [kind, "null"]
            node["nullable"] = True
        for value in node.values():
            allow_null_where_described(value)
    elif isinstance(node, list):
        for value in node:
            allow_null_where_described(value)


def response_schema(spec, sample):
    path_item = spec.get("paths", {}).get(sample["path"])
    if path_item is None:
        return None, f"path {sample['path']} is not in the document"
    operation = path_item.get(sample["method"].lower())
    if operation is None:
        return None, f"{sample['method'].upper()} {sample['path']} is not in the document"
    responses = operation.get("responses", {})
    status = str(sample["status"])
    response = responses.get(status) or responses.get(status[0] + "XX") or responses.get("default")
    if response is None:
        return None, f"status {status} is not documented for {sample['method'].upper()} {sample['path']} (documented: {sorted(responses)})"
    if "$ref" in response:
        name = response["$ref"].split("/")[-1]
        response = spec["components"]["responses"][name]
    content = response.get("content") or {}
    if not content:
        return None, None  # the document declares this status without a body schema
    media = sample["media_type"]
    entry = content.get(media)
    if entry is None:
        # Media types with parameters, or a document declaring only */*.
        base = media.split(";")[0].strip()
        entry = content.get(base) or content.get("*/*")
    if entry is None:
        return None, f"media type {media} is not documented for status {status} (documented: {sorted(content)})"
    return entry.get("schema"), None


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: validate-contract.py SAMPLES.jsonl", file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parent.parent
    reference = Path(os.environ.get("MARKETDESK_REFERENCE_DIR", root.parent / "shared" / "reference"))
    if not all((reference / name).is_file() for name in SPECS.values()):
        print(f"contract check skipped: the OpenAPI documents are not in {reference}")
        return 0

    from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker, oas31_format_checker

    samples = [json.loads(line) for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines() if line.strip()]
    if not samples:
        print("no samples to validate", file=sys.stderr)
        return 1
    specs = {key: load(reference / name) for key, name in SPECS.items() if any(s["spec"] == key for s in samples)}
    for spec in specs.values():
        allow_null_in_nullable_enums(spec)
        allow_null_where_described(spec)

    failures = 0
    checked = {}
    for sample in samples:
        spec = specs[sample["spec"]]
        label = f"[{sample['spec']}] {sample['method'].upper()} {sample['path']} -> {sample['status']}"
        schema, problem = response_schema(spec, sample)
        if problem:
            print(f"FAIL {label}: {problem}")
            failures += 1
            continue
        if schema is None:
            checked[label] = checked.get(label, 0) + 1
            continue
        document = dict(schema)
        document["components"] = spec.get("components", {})
        if spec["openapi"].startswith("3.1"):
            validator = OAS31Validator(document, format_checker=oas31_format_checker)
        else:
            validator = OAS30Validator(document, format_checker=oas30_format_checker)
        errors = sorted(validator.iter_errors(sample["body"]), key=lambda e: list(e.absolute_path))
        if errors:
            failures += 1
            print(f"FAIL {label}:")
            for error in errors[:8]:
                where = "/".join(str(p) for p in error.absolute_path) or "(body)"
                print(f"    at {where}: {error.message[:300]}")
        else:
            checked[label] = checked.get(label, 0) + 1

    for label, count in sorted(checked.items()):
        print(f"ok   {label} ({count} sample{'s' if count > 1 else ''})")
    print(f"{len(samples) - failures} of {len(samples)} simulator responses match the published OpenAPI documents")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
