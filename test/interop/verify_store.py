#!/usr/bin/env python3
"""Independent re-verification of an evidence-agent store (file: folder).

Written only from evidence-schema/README.md and evidence-schema/v1/record.schema.json,
with the Python 3.11 standard library, to show that the published spec is enough for an auditor.
One check needs more: a record's `data` against the JSON Schema its `collector.payloadSchema` names
uses the `jsonschema` package (pip install 'jsonschema[format]'). Without it, everything else is still
checked, and the script says what was NOT checked and does not exit 0.

Usage: python3 verify_store.py <store-folder>
Prints `PROBLEM <kind> <relative key> <message>` per problem, `NOT CHECKED <what> <why>` per check
it could not make, then `interop-verify: <N> records, <M> streams, <K> problems`.
Exit status: 0 no problems, 1 problems, 2 usage error, 3 no problems found but some checks were
not made (see the NOT CHECKED lines).
"""
import hashlib
import json
import math
import os
import re
import sys
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # optional: only the payload-schema check needs it
    jsonschema = None
    JSONSCHEMA_MISSING = str(e)

# Top-level members of a record (record.schema.json, additionalProperties: false).
REQUIRED = ("schema", "id", "stream", "seq", "prev", "observedAt", "collector", "controls",
            "subject", "status", "summary", "findings", "data", "attachments", "agent", "hash")
ALLOWED = set(REQUIRED) | {"storage", "cadence"}
# `cadence` is one of two closed forms: {"schedule", "timezone"} (non-empty strings) or {"every": <one of these>}.
CADENCE_EVERY = {"hourly", "daily", "weekly", "monthly", "quarterly", "annually"}
HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
OBSERVED_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$")
DAY_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
SEQ_FILE_RE = re.compile(r"^([0-9]{12,})\.json$")  # "zero-padded to 12 digits"
# Payload schemas are JSON Schema 2020-12; a schema without `$schema` is taken to be 2020-12.
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# `format` is an assertion on the writing side (ajv with ajv-formats), not just an annotation. These are
# the formats it checks; any that jsonschema cannot check here is reported as NOT CHECKED.
ASSERTED_FORMATS = {"date", "time", "date-time", "iso-time", "iso-date-time", "duration", "uri", "uri-reference",
                    "uri-template", "url", "email", "hostname", "ipv4", "ipv6", "regex", "uuid", "json-pointer",
                    "json-pointer-uri-fragment", "relative-json-pointer", "byte", "int32", "int64", "float", "double"}
INSTALL_HINT = "pip install 'jsonschema[format]'"


class CanonError(ValueError):
    """The value has no RFC 8785 form (non-finite number, lone surrogate, ...)."""


# ---------------------------------------------------------------- RFC 8785 (JCS)

def canon_number(x):
    """Format a JSON number the way ECMAScript's Number.prototype.toString does.

    JSON numbers are IEEE-754 doubles in JCS, so Python ints are first turned into the nearest
    double (exactly what a JavaScript parser does with e.g. 2**53 + 1)."""
    try:
        f = float(x)
    except OverflowError:
        raise CanonError(f"number {x} is outside the IEEE-754 double range")
    if not math.isfinite(f):
        raise CanonError(f"non-finite number {x!r}")
    if f == 0:
        return "0"  # also for -0
    sign = "-" if f < 0 else ""
    # repr() gives the shortest digit string that round-trips, which is the digit string
    # ECMAScript's algorithm chooses too; only the layout (point/exponent) differs.
    _, digit_tuple, exp = Decimal(repr(abs(f))).as_tuple()
    digits = "".join(map(str, digit_tuple))
    n = len(digits) + exp  # value = 0.d1d2..dk * 10**n (ECMA-262 Number::toString's k and n)
    digits = digits.rstrip("0")  # repr writes 5.0 / 1e+16 with zeros that are not significant
    k = len(digits)
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        s = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + s


SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def canon_string(s):
    out = ['"']
    for ch in s:
        if ch in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[ch])
        elif ch < " ":
            out.append("\\u%04x" % ord(ch))  # lowercase hex, per the README
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            # json.loads lets "\ud800" through as a lone surrogate; it has no UTF-8 form.
            raise CanonError(f"lone surrogate U+{ord(ch):04X} in string")
        else:
            out.append(ch)  # everything else literally (U+007F, U+2028, non-ASCII included)
    out.append('"')
    return "".join(out)


def utf16_key(name):
    # Big-endian UTF-16 bytes compare exactly like sequences of UTF-16 code units.
    return name.encode("utf-16-be", "surrogatepass")


def canonicalize(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return canon_number(v)
    if isinstance(v, str):
        return canon_string(v)
    if isinstance(v, list):
        return "[" + ",".join(canonicalize(x) for x in v) + "]"
    if isinstance(v, dict):
        names = sorted(v, key=utf16_key)
        return "{" + ",".join(canon_string(k) + ":" + canonicalize(v[k]) for k in names) + "}"
    raise CanonError(f"unexpected value of type {type(v).__name__}")


# ---------------------------------------------------------------- parsing

def _no_duplicates(pairs):
    # JCS input must be I-JSON: a duplicate member name would make "the parsed content" ambiguous.
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate member name {k!r}")
        obj[k] = v
    return obj


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_record(raw):
    text = raw.decode("utf-8")  # strict: invalid UTF-8 is a parse problem
    if text.startswith("\ufeff"):
        raise ValueError("file starts with a byte-order mark")
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


# ---------------------------------------------------------------- payload schemas

SUBSCHEMA = ("additionalProperties", "items", "contains", "not", "if", "then", "else", "propertyNames",
             "unevaluatedItems", "unevaluatedProperties", "contentSchema")
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def formats_used(schema):
    """The `format` keywords of a schema and its subschemas (not of values inside const, enum, default...)."""
    if not isinstance(schema, dict):
        return set()
    found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
    subs = [schema.get(k) for k in SUBSCHEMA]
    subs += [s for k in SUBSCHEMA_MAPS if isinstance(schema.get(k), dict) for s in schema[k].values()]
    subs += [s for k in SUBSCHEMA_LISTS if isinstance(schema.get(k), list) for s in schema[k]]
    for sub in subs:
        found |= formats_used(sub)
    return found


def data_path(path):
    """`data.documents[0].sha256`: how `evidence-agent verify` names a place in `data` too."""
    return "data" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def unexpected_members(error):
    """The members an `additionalProperties: false` error is about, each to be pointed at."""
    schema, instance = error.schema, error.instance
    if not (isinstance(schema, dict) and isinstance(instance, dict)):
        return []
    known = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
    patterns = schema.get("patternProperties", {}) if isinstance(schema.get("patternProperties"), dict) else {}
    return [k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)]


class PayloadSchema:
    """One stored schema, loaded once however many records name it: a validator, or why there is none."""

    def __init__(self, validator=None, problem=None, unchecked_formats=()):
        self.validator, self.problem, self.unchecked_formats = validator, problem, sorted(unchecked_formats)

    def data_problems(self, data):
        return [p for error in self.validator.iter_errors(data) for p in describe_error(error)]


def describe_error(error):
    """`data.<path>: <message>` lines for one jsonschema error, pointing where `evidence-agent verify` points."""
    path = list(error.absolute_path)
    extra = unexpected_members(error) if error.validator == "additionalProperties" else []
    if extra:
        return [f"{data_path(path + [name])}: unknown key" for name in extra]
    if error.validator in ("oneOf", "anyOf") and error.context:
        # jsonschema's own message quotes the whole value; the alternative that failed least says more.
        branches = defaultdict(list)
        for sub in error.context:
            branches[sub.relative_schema_path[0]].append(sub)
        index, nearest = min(branches.items(), key=lambda b: (len(b[1]), b[0]))
        detail = "; ".join(line for sub in nearest for line in describe_error(sub))
        return [f"{data_path(path)}: matches none of the {len(error.validator_value)} alternatives of its "
                f"{error.validator}; nearest, #{index + 1}: {detail}"]
    return [f"{data_path(path)}: {clip(error.message)}"]


def clip(message, limit=300):
    """jsonschema quotes the offending value in its messages; a long one is cut."""
    return message if len(message) <= limit else message[:limit] + "..."


# ---------------------------------------------------------------- store walk

def valid_cadence(c):
    if not isinstance(c, dict):
        return False
    if set(c) == {"schedule", "timezone"}:
        return all(isinstance(c[k], str) and c[k] for k in c)
    return set(c) == {"every"} and isinstance(c["every"], str) and c["every"] in CADENCE_EVERY


class Verifier:
    def __init__(self, root):
        self.root = root
        self.problems = []
        self.records = 0
        self.streams = defaultdict(list)  # "agent/collector" -> [entry]
        self.payload_schemas = {}  # "sha256:<hex>" -> PayloadSchema, loaded once per store
        self.unchecked_payloads = 0  # records whose data could not be checked (no jsonschema)
        self.unchecked = []  # (what, message) of checks not made

    def problem(self, kind, key, message):
        self.problems.append((kind, key, message))
        print(f"PROBLEM {kind} {key} {message}")

    def run(self):
        records_dir = os.path.join(self.root, "records")
        for dirpath, dirnames, filenames in os.walk(records_dir):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            depth = rel_dir.count("/")  # records=0, agent=1, collector=2, day=3
            for name in sorted(filenames):
                key = f"{rel_dir}/{name}"
                if depth != 3:
                    self.problem("layout", key, "file outside records/<agent>/<collector>/<YYYY-MM-DD>/")
                    continue
                self.check_file(key, *rel_dir.split("/")[1:], name)
        for stream in sorted(self.streams):
            self.check_chain(stream, self.streams[stream])
        self.report_unchecked()
        return self.problems

    def check_file(self, key, agent, collector, day, name):
        m = SEQ_FILE_RE.match(name)
        if not m or not DAY_RE.match(day):
            self.problem("layout", key, "not a <YYYY-MM-DD>/<12-digit seq>.json record key")
            return
        self.records += 1
        stream = f"{agent}/{collector}"
        # The chain entry: seq from the record when usable, else from the file name.
        entry = {"key": key, "seq": int(m.group(1)), "record": None}
        self.streams[stream].append(entry)

        try:
            with open(os.path.join(self.root, key), "rb") as fh:
                rec = parse_record(fh.read())
        except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            self.problem("parse", key, str(e))
            return
        if not self.check_structure(key, rec):
            return
        entry["seq"], entry["record"] = rec["seq"], rec

        # Steps 2-4: hash over the canonical form without `hash`.
        body = {k: v for k, v in rec.items() if k != "hash"}
        try:
            canonical = canonicalize(body)
        except CanonError as e:
            self.problem("canonical", key, str(e))
        else:
            digest = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            if digest != rec["hash"]:
                self.problem("hash", key, f"recomputed {digest}, record says {rec['hash']}")

        # Step 6: the record sits at its own key.
        expected = f"records/{rec['stream']}/{rec['observedAt'][:10]}/{rec['seq']:012d}.json"
        if expected != key:
            self.problem("key", key, f"record belongs at {expected}")

        self.check_attachments(key, rec["attachments"])
        self.check_payload(key, rec)

    def check_structure(self, key, rec):
        """The few schema rules the checks above rely on; returns False if the record is unusable."""
        if not isinstance(rec, dict):
            self.problem("schema", key, "record is not a JSON object")
            return False
        missing = [k for k in REQUIRED if k not in rec]
        extra = sorted(set(rec) - ALLOWED)
        if missing:
            self.problem("schema", key, "missing members: " + ", ".join(missing))
        if extra:
            self.problem("schema", key, "unknown members: " + ", ".join(extra))
        if rec.get("schema", "evidence-agent/record/v1") != "evidence-agent/record/v1":
            self.problem("schema", key, f"schema is {rec['schema']!r}")
        ok = not missing
        seq = rec.get("seq")
        if not (isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0):
            self.problem("schema", key, "seq is not a non-negative integer")
            ok = False
        if not (isinstance(rec.get("hash"), str) and HASH_RE.match(rec["hash"])):
            self.problem("schema", key, "hash is not sha256:<64 lowercase hex>")
            ok = False
        prev = rec.get("prev")
        if not (prev is None or (isinstance(prev, str) and HASH_RE.match(prev))):
            self.problem("schema", key, "prev is neither null nor sha256:<64 lowercase hex>")
            ok = False
        if not isinstance(rec.get("stream"), str) or rec["stream"].count("/") != 1:
            self.problem("schema", key, "stream is not <agentId>/<collectorId>")
            ok = False
        obs = rec.get("observedAt")
        try:
            # Pattern guarantees UTC ("Z"); strptime rejects impossible dates such as 2026-02-30.
            valid_obs = isinstance(obs, str) and OBSERVED_RE.match(obs) and datetime.strptime(obs, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            valid_obs = False
        if not valid_obs:
            self.problem("schema", key, "observedAt is not RFC 3339 UTC with milliseconds")
            ok = False
        if "cadence" in rec and not valid_cadence(rec["cadence"]):
            self.problem("schema", key, "cadence is neither {schedule, timezone} nor {every} with a known period")
        atts = rec.get("attachments")
        if not (isinstance(atts, list) and all(isinstance(a, dict) for a in atts)):
            self.problem("schema", key, "attachments is not an array of objects")
            ok = False
        return ok

    def check_attachments(self, key, attachments):
        for i, att in enumerate(attachments):
            sha, size, akey = att.get("sha256"), att.get("size"), att.get("key")
            if not (isinstance(sha, str) and HEX64_RE.match(sha)) or akey != f"blobs/sha256/{sha}":
                # Also stops a crafted key such as "../../etc/passwd" from being opened.
                self.problem("attachment", key, f"attachments[{i}]: key must be blobs/sha256/<sha256>")
                continue
            try:
                with open(os.path.join(self.root, "blobs", "sha256", sha), "rb") as fh:
                    blob = fh.read()
            except OSError as e:
                self.problem("attachment", key, f"attachments[{i}]: cannot read {akey}: {e.strerror}")
                continue
            if len(blob) != size:
                self.problem("attachment", key, f"attachments[{i}]: {akey} has {len(blob)} bytes, record says {size}")
            actual = hashlib.sha256(blob).hexdigest()
            if actual != sha:
                self.problem("attachment", key, f"attachments[{i}]: {akey} has sha256 {actual}")

    def check_payload(self, key, rec):
        """Step 5, second half: `data` against the schema the record names (none in older records)."""
        collector = rec["collector"]
        if not isinstance(collector, dict):
            self.problem("schema", key, "collector is not an object")
            return
        if "payloadSchema" not in collector:
            return  # written before records named their schema: checked against the record schema only
        ref = collector["payloadSchema"]
        if not (isinstance(ref, str) and HASH_RE.match(ref)):
            self.problem("schema", key, "collector.payloadSchema is not sha256:<64 lowercase hex>")
            return
        if ref not in self.payload_schemas:
            self.payload_schemas[ref] = self.load_payload_schema(ref)
        schema = self.payload_schemas[ref]
        if schema.problem:
            self.problem("payload-schema", key, schema.problem)
            return
        if schema.validator is None:
            self.unchecked_payloads += 1
            return
        try:
            problems = schema.data_problems(rec["data"])
        except Exception as e:  # an unresolvable $ref shows only now; the writer could not have used it either
            schema.problem = f"payload schema {ref} is not a usable JSON Schema: {type(e).__name__}: {e}"
            problems = [schema.problem]
        for message in problems:
            self.problem("payload-schema", key, message)

    def load_payload_schema(self, ref):
        hex_digest = ref[len("sha256:"):]
        blob_key = f"blobs/sha256/{hex_digest}"
        try:
            with open(os.path.join(self.root, "blobs", "sha256", hex_digest), "rb") as fh:
                blob = fh.read()
        except FileNotFoundError:
            return PayloadSchema(problem=f"payload schema {ref} is missing from the store ({blob_key}), so data cannot be checked")
        except OSError as e:
            return PayloadSchema(problem=f"payload schema {blob_key} cannot be read: {e.strerror}")
        actual = hashlib.sha256(blob).hexdigest()
        if actual != hex_digest:
            return PayloadSchema(problem=f"payload schema {blob_key} does not hash to its name (its sha256 is {actual})")
        try:
            schema = parse_record(blob)  # the same strict JSON as a record
        except ValueError as e:
            return PayloadSchema(problem=f"payload schema {blob_key} is not JSON: {e}")
        if not isinstance(schema, (dict, bool)):
            return PayloadSchema(problem=f"payload schema {blob_key} is not a JSON Schema (neither an object nor a boolean)")
        dialect = schema.get("$schema", DIALECT) if isinstance(schema, dict) else DIALECT
        if not (isinstance(dialect, str) and dialect.rstrip("#") == DIALECT):
            return PayloadSchema(problem=f"payload schema {blob_key} declares $schema {dialect!r}, not JSON Schema 2020-12")
        if jsonschema is None:
            return PayloadSchema()  # usable as far as can be told here; `data` stays unchecked
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            where = "".join(f"/{p}" for p in e.absolute_path) or "/"
            return PayloadSchema(problem=f"payload schema {ref} is not a usable JSON Schema: at {where}: {e.message}")
        checker = Draft202012Validator.FORMAT_CHECKER
        unchecked = {f for f in formats_used(schema) if f in ASSERTED_FORMATS and f not in checker.checkers}
        return PayloadSchema(Draft202012Validator(schema, format_checker=checker), unchecked_formats=unchecked)

    def report_unchecked(self):
        """Checks that could not be made: said plainly, never passed over."""
        if self.unchecked_payloads:
            self.not_checked("payload-schema", f"data of {self.unchecked_payloads} records against the payload schema "
                             f"they name: the Python package jsonschema cannot be imported ({JSONSCHEMA_MISSING}); "
                             f"install it with: {INSTALL_HINT}")
        for ref, schema in sorted(self.payload_schemas.items()):
            if schema.validator is not None and schema.unchecked_formats:
                self.not_checked("format", f"{', '.join(schema.unchecked_formats)} in payload schema {ref}: jsonschema "
                                 f"has no checker for it here (try: {INSTALL_HINT})")

    def not_checked(self, what, message):
        self.unchecked.append((what, message))
        print(f"NOT CHECKED {what} {message}")
        print(f"verify_store.py: WARNING: NOT CHECKED {what} {message}", file=sys.stderr)

    def check_chain(self, stream, entries):
        by_seq = defaultdict(list)
        for e in entries:
            by_seq[e["seq"]].append(e)
        expected = 0
        prev_hashes = None  # hashes of the records at seq-1; None when unknown (missing/unparsable)
        for seq in sorted(by_seq):
            group = by_seq[seq]
            for dup in group[1:]:
                self.problem("fork", dup["key"], f"seq {seq} also at {group[0]['key']}")
            if seq != expected:
                missing = f"seq {expected}" if seq == expected + 1 else f"seq {expected}..{seq - 1}"
                self.problem("gap", group[0]["key"], f"{missing} missing in stream {stream}")
                prev_hashes = None
            for e in group:
                rec = e["record"]
                if rec is None:
                    continue
                if seq == 0 and rec["prev"] is not None:
                    self.problem("link", e["key"], "seq 0 must have prev null")
                elif seq > 0 and rec["prev"] is None:
                    self.problem("link", e["key"], f"seq {seq} has prev null")
                elif seq > 0 and prev_hashes and rec["prev"] not in prev_hashes:
                    # Compared with the previous record's stored `hash`; if that one was edited and
                    # re-hashed, this is where it shows.
                    self.problem("link", e["key"], f"prev {rec['prev']} is not the hash of seq {seq - 1}")
            prev_hashes = {e["record"]["hash"] for e in group if e["record"] is not None} or None
            expected = seq + 1


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print("usage: verify_store.py <store-folder>", file=sys.stderr)
        return 2
    root = argv[1]
    if not os.path.isdir(os.path.join(root, "records")):
        print(f"verify_store.py: {root} is not a store folder (no records/ inside)", file=sys.stderr)
        return 2
    v = Verifier(root)
    problems = v.run()
    print(f"interop-verify: {v.records} records, {len(v.streams)} streams, {len(problems)} problems")
    if v.unchecked:
        print(f"interop-verify: {len(v.unchecked)} checks NOT made, see NOT CHECKED above")
    return 1 if problems else 3 if v.unchecked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
