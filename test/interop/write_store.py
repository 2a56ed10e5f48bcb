#!/usr/bin/env python3
"""An independent writer of evidence-agent stores (file: folders), from a small JSON plan.

Written only from evidence-schema/README.md (and the published evidence-schema/v1/agent-notice.schema.json,
which that page names by hash), with the Python 3 standard library and no code of evidence-agent, to show
that another tool can write evidence that evidence-agent and auditors' tools read. The store it writes is
deterministic: the same plan gives the same bytes, file for file.

Usage:
    python3 write_store.py <store-folder> <plan.json>      # the plan from a file
    python3 write_store.py <store-folder> -                # the plan on standard input
    python3 write_store.py <store-folder> --demo           # a built-in plan that uses every feature
Writes records/ and blobs/ under the folder (created if needed; an existing file is only ever rewritten with
identical bytes, else the script stops), then prints a JSON summary on stdout: for each stream, in seq order,
each record's key, seq, hash, observedAt, status, subject id, whether it is an agent notice, its item ids
(`<record hash>#<id>`) and, for range streams, its range ends. Exit 0 when written, 2 for a bad plan or
arguments, 1 when the folder holds different bytes at a key it would write.

The plan (unknown keys are errors; times are RFC 3339 UTC, `2026-01-01T03:00:00Z` or with milliseconds):
{
  "agents": [{
    "id": "indie-1",                       # agent id: streams are <agent id>/<collector id>
    "version": "0.0.0-indie",              # optional: agent.version of its records
    "host": "indie-host",                  # optional: agent.host
    "streams": [{
      "collector": "commits",              # collector id
      "type": "indie-range",               # optional: collector.type (default indie-<kind>)
      "version": "1.0.0",                  # optional: collector.version
      "kind": "range",                     # plain | single | list | range: the payload written (below)
      "controls": ["CC8.1"],
      "cadence": {"schedule": "0 3 * * *", "timezone": "UTC"},   # or {"every": "daily"}; absent: none stated
      "start": "2026-01-01T03:00:00Z",     # the first run
      "interval": 86400,                   # seconds between runs (an integer)
      "count": 90,                         # runs, or "until": "<time>" (exclusive) instead
      "subjects": ["repo#main"],           # optional: one record per subject per run (default: [collector id])
      "gaps": ["2026-01-10", ["2026-02-01", "2026-02-03"]],   # optional: UTC days (or inclusive spans) with no run
      "fail": ["2026-01-05"],              # optional: days whose records have status fail (a finding)
      "errors": ["2026-01-07"],            # optional: days whose run failed: one agent `error` notice instead
      "collectorErrors": ["2026-01-08"],   # optional: days whose records are the collector's own `error` records
      "rangeBreaks": ["2026-01-20"],       # range only: days whose range does not start where the last ended
      "itemsPerRecord": [3, 0, 1],         # list and range: items per record, cycled over the runs (default 2)
      "inlineMax": 2,                      # range only: more items than this go to the commits.jsonl attachment
      "notices": [                         # optional: the agent's own notices about the stream
        {"kind": "missed-runs", "at": "<time>", "from": "<time>", "to": "<time>", "missedRuns": 3},
        {"kind": "run-skipped", "at": "<time>", "scheduledAt": "<time>"}
      ]
    }]
  }]
}

Payloads, each under its own payload schema (stored as a blob, with the x-evidence annotations of
evidence-schema/README.md, "Items and ranges"), each a oneOf of the kind's payload and {"error": {"message"}}
for collector error records:
- plain:  {"n": <run index>}; no items.
- single: {"name": <subject>, "digest": "sha256:<hex>"}; the record is its one item, id /name.
- list:   {"entries": [{"id", "ok"}]}; items /entries, id /id.
- range:  {"repository", "range": {"from": {"commit"}|null, "to": {"commit"}|null}, "count", "commits"?};
          items /commits (id /id), or the lines of the commits.jsonl attachment when there are more than
          inlineMax; range from /range/from/commit to /range/to/commit, each from the previous to of its subject
          (null from the beginning), except on rangeBreaks days.
Agent notices (subject kind `collector`: failed runs, missed-runs, run-skipped) are written under the published
agent-notice schema, whose name the README gives; `schedule` and `timezone` in their data come from the stream's
cadence (a stream with an `every` cadence or none writes "" and "UTC"). No checkpoints are written: the store is
unsigned, as a store written before `signing` was configured.
"""
import hashlib
import json
import os
import sys
from datetime import date, datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
NOTICE_SCHEMA_FILE = os.path.join(HERE, "..", "..", "evidence-schema", "v1", "agent-notice.schema.json")
# evidence-schema/README.md, "Which schema is named": version 1 of the agent-notice schema is stored under this name.
NOTICE_SCHEMA_REF = "sha256:ff17ca4ff94ee8ca5ea1dc558d5678b4943b392947d7c5fa68911ed248f4d9aa"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
EVERY = ("hourly", "daily", "weekly", "monthly", "quarterly", "annually")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class PlanError(ValueError):
    pass


class ForkError(RuntimeError):
    pass


# ---------------------------------------------------------------- RFC 8785

def canonical(value):
    """RFC 8785 canonical JSON, for the values this script writes.

    json.dumps with sorted keys, no whitespace and ensure_ascii=False is exactly RFC 8785 here, because every
    member name is ASCII (so code-point order is UTF-16 order), every number is an integer (written without
    fraction or exponent, as ECMAScript writes integers below 2**53), and json.dumps already writes the short
    escapes and lowercase \\u00xx for other control characters. A float or a non-ASCII name would need a real
    RFC 8785 serialiser, so they are refused."""
    check_canonicalisable(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_canonicalisable(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) >= 2 ** 53:
            raise ValueError(f"integer {value} is not exact as an IEEE 754 double")
        return
    if isinstance(value, list):
        for v in value:
            check_canonicalisable(v)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not (isinstance(k, str) and k.isascii()):
                raise ValueError(f"member name {k!r} is not ASCII")
            check_canonicalisable(v)
        return
    raise ValueError(f"{type(value).__name__} {value!r} has no canonical form here (integers only)")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- payload schemas

def closed(properties, required=None):
    return {"type": "object", "additionalProperties": False, "required": required or sorted(properties), "properties": properties}


ERROR_PAYLOAD = closed({"error": closed({"message": {"type": "string", "minLength": 1}})})
HEX40 = {"type": "string", "pattern": "^[0-9a-f]{40}$"}
COMMIT = closed({"id": HEX40, "author": {"type": "string"}, "reviewed": {"type": "boolean"}})
END = {"oneOf": [closed({"commit": HEX40}), {"type": "null"}]}


def payload_schema(kind):
    if kind == "plain":
        body, notes = closed({"n": {"type": "integer", "minimum": 0}}), {}
    elif kind == "single":
        body = closed({"name": {"type": "string", "minLength": 1}, "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}})
        notes = {"x-evidence-items": {"path": "", "id": "/name"}}
    elif kind == "list":
        body = closed({"entries": {"type": "array", "items": closed({"id": {"type": "string"}, "ok": {"type": "boolean"}})}})
        notes = {"x-evidence-items": {"path": "/entries", "id": "/id"}}
    else:
        body = closed(
            {"repository": {"type": "string"}, "range": closed({"from": END, "to": END}), "count": {"type": "integer", "minimum": 0},
             "commits": {"type": "array", "items": COMMIT}},
            required=["count", "range", "repository"],
        )
        notes = {"x-evidence-items": {"path": "/commits", "id": "/id", "attachment": "commits.jsonl"},
                 "x-evidence-range": {"from": "/range/from/commit", "to": "/range/to/commit"}}
    error = dict(ERROR_PAYLOAD)
    if kind == "range":
        error = closed({"repository": {"type": "string"}, "error": ERROR_PAYLOAD["properties"]["error"]})
    return {"$schema": DIALECT, "title": f"indie {kind} payload", "oneOf": [body, error], **notes}


# ---------------------------------------------------------------- plan

def parse_time(value, where):
    if not isinstance(value, str) or not value.endswith("Z"):
        raise PlanError(f"{where}: {value!r} is not an RFC 3339 UTC time such as 2026-01-01T03:00:00Z")
    try:
        t = datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        raise PlanError(f"{where}: {value!r} is not an RFC 3339 UTC time such as 2026-01-01T03:00:00Z") from None
    return t.astimezone(timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_days(value, where):
    """UTC days from ["2026-01-10", ["2026-02-01", "2026-02-03"]]."""
    days = set()
    if not isinstance(value, list):
        raise PlanError(f"{where}: a list of days (YYYY-MM-DD) or [from, to] spans")
    for i, entry in enumerate(value):
        span = entry if isinstance(entry, list) else [entry, entry]
        try:
            first, last = (date.fromisoformat(d) for d in span)
        except (TypeError, ValueError):
            raise PlanError(f"{where}[{i}]: {entry!r} is not a day YYYY-MM-DD or a [from, to] span of days") from None
        while first <= last:
            days.add(first)
            first += timedelta(days=1)
    return days


def only_keys(obj, allowed, where):
    if not isinstance(obj, dict):
        raise PlanError(f"{where}: an object")
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise PlanError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


STREAM_KEYS = {"collector", "type", "version", "kind", "controls", "cadence", "start", "interval", "count", "until", "subjects",
               "gaps", "fail", "errors", "collectorErrors", "rangeBreaks", "itemsPerRecord", "inlineMax", "notices"}
ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def check_id(value, where):
    if not (isinstance(value, str) and value and value[0].isalnum() and value.isascii() and set(value) <= ID_CHARS):
        raise PlanError(f"{where}: {value!r} is not an id (letters, digits, '.', '_', '-', starting with a letter or digit)")


def check_cadence(value, where):
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {"every"} and value["every"] in EVERY:
        return value
    if isinstance(value, dict) and set(value) == {"schedule", "timezone"} and all(isinstance(v, str) and v for v in value.values()):
        return value
    raise PlanError(f"{where}: {{\"schedule\", \"timezone\"}} or {{\"every\": one of {', '.join(EVERY)}}}")


# ---------------------------------------------------------------- writing

class Store:
    def __init__(self, root):
        self.root = root

    def put(self, key, data):
        """Write-once: a key that exists must already hold these bytes."""
        path = os.path.join(self.root, *key.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            with open(path, "xb") as fh:
                fh.write(data)
        except FileExistsError:
            with open(path, "rb") as fh:
                if fh.read() != data:
                    raise ForkError(f"{key} already holds other bytes; write into an empty folder") from None

    def blob(self, data):
        hex_digest = sha256_hex(data)
        self.put(f"blobs/sha256/{hex_digest}", data)
        return hex_digest


def ulid(t, seed):
    """A ULID: 48 bits of milliseconds, then 80 bits taken from a hash of the record's place (deterministic)."""
    ms = int(t.timestamp() * 1000)
    value = (ms << 80) | int.from_bytes(hashlib.sha256(seed.encode()).digest()[:10], "big")
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def commit_id(*parts):
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


class StreamWriter:
    def __init__(self, store, agent, spec, where):
        self.store, self.agent, self.where = store, agent, where
        only_keys(spec, STREAM_KEYS, where)
        for key in ("collector", "kind", "controls", "start", "interval"):
            if key not in spec:
                raise PlanError(f"{where}: {key} is required")
        check_id(spec["collector"], f"{where}.collector")
        self.collector_id = spec["collector"]
        self.stream = f"{agent['id']}/{self.collector_id}"
        self.kind = spec["kind"]
        if self.kind not in ("plain", "single", "list", "range"):
            raise PlanError(f"{where}.kind: plain, single, list or range")
        self.type = spec.get("type", f"indie-{self.kind}")
        self.version = spec.get("version", "1.0.0")
        self.controls = spec["controls"]
        if not (isinstance(self.controls, list) and all(isinstance(c, str) and c for c in self.controls)):
            raise PlanError(f"{where}.controls: a list of control ids")
        self.cadence = check_cadence(spec.get("cadence"), f"{where}.cadence")
        self.start = parse_time(spec["start"], f"{where}.start")
        interval = spec["interval"]
        if not (isinstance(interval, int) and not isinstance(interval, bool) and interval > 0):
            raise PlanError(f"{where}.interval: a positive whole number of seconds")
        if ("count" in spec) == ("until" in spec):
            raise PlanError(f"{where}: give count or until, not both or neither")
        if "count" in spec:
            count = spec["count"]
            if not (isinstance(count, int) and not isinstance(count, bool) and count >= 0):
                raise PlanError(f"{where}.count: a whole number")
        else:
            until = parse_time(spec["until"], f"{where}.until")
            count = max(0, -(-int((until - self.start).total_seconds()) // interval))
        self.runs = [self.start + timedelta(seconds=interval * i) for i in range(count)]
        self.subjects = spec.get("subjects", [self.collector_id])
        if not (isinstance(self.subjects, list) and self.subjects and all(isinstance(s, str) and s for s in self.subjects)):
            raise PlanError(f"{where}.subjects: a non-empty list of subject ids")
        self.gaps = parse_days(spec.get("gaps", []), f"{where}.gaps")
        self.fail = parse_days(spec.get("fail", []), f"{where}.fail")
        self.errors = parse_days(spec.get("errors", []), f"{where}.errors")
        self.collector_errors = parse_days(spec.get("collectorErrors", []), f"{where}.collectorErrors")
        self.range_breaks = parse_days(spec.get("rangeBreaks", []), f"{where}.rangeBreaks")
        per = spec.get("itemsPerRecord", 2)
        self.items_per = per if isinstance(per, list) else [per]
        if not (self.items_per and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in self.items_per)):
            raise PlanError(f"{where}.itemsPerRecord: a whole number or a list of them")
        self.inline_max = spec.get("inlineMax", 2)
        self.notices = [self.parse_notice(n, f"{where}.notices[{i}]") for i, n in enumerate(spec.get("notices", []))]
        self.schema_ref = None
        self.seq, self.prev, self.last_time = 0, None, None
        self.range_end = {}  # subject -> commit id at the end of its last range (None: nothing yet)
        self.commits = 0
        self.written = []

    def parse_notice(self, notice, where):
        kind = notice.get("kind") if isinstance(notice, dict) else None
        if kind == "missed-runs":
            only_keys(notice, {"kind", "at", "from", "to", "missedRuns"}, where)
            missed = notice.get("missedRuns")
            if not (isinstance(missed, int) and not isinstance(missed, bool) and missed >= 1):
                raise PlanError(f"{where}.missedRuns: a whole number of at least 1")
            return (parse_time(notice.get("at"), f"{where}.at"), kind,
                    {"from": iso(parse_time(notice.get("from"), f"{where}.from")), "to": iso(parse_time(notice.get("to"), f"{where}.to")),
                     "missedRuns": missed})
        if kind == "run-skipped":
            only_keys(notice, {"kind", "at", "scheduledAt"}, where)
            return (parse_time(notice.get("at"), f"{where}.at"), kind, {"scheduledAt": iso(parse_time(notice.get("scheduledAt"), f"{where}.scheduledAt"))})
        raise PlanError(f"{where}.kind: missed-runs or run-skipped")

    # -- records

    def append(self, t, schema_ref, subject, status, summary, data, findings=(), attachments=()):
        # observedAt never goes back along a chain (README: the previous record's time instead).
        if self.last_time is not None and t < self.last_time:
            t = self.last_time
        self.last_time = t
        body = {
            "schema": "evidence-agent/record/v1",
            "id": ulid(t, f"{self.stream}/{self.seq}"),
            "stream": self.stream,
            "seq": self.seq,
            "prev": self.prev,
            "observedAt": iso(t),
            "collector": {"type": self.type, "version": self.version, "payloadSchema": schema_ref},
            "controls": list(dict.fromkeys(self.controls)),
            "subject": subject,
            "status": status,
            "summary": summary,
            "findings": list(findings),
            "data": data,
            "attachments": list(attachments),
            "agent": self.agent,
        }
        if self.cadence is not None:
            body["cadence"] = dict(self.cadence)
        record_hash = "sha256:" + sha256_hex(canonical(body).encode("utf-8"))
        record = {**body, "hash": record_hash}
        key = f"records/{self.stream}/{iso(t)[:10]}/{self.seq:012d}.json"
        self.store.put(key, (canonical(record) + "\n").encode("utf-8"))
        entry = {"key": key, "seq": self.seq, "hash": record_hash, "observedAt": iso(t), "status": status, "subject": subject["id"],
                 "notice": subject["kind"] == "collector", "items": []}
        self.written.append(entry)
        self.seq, self.prev = self.seq + 1, record_hash
        return entry

    def notice(self, t, kind, fields):
        schedule = self.cadence.get("schedule", "") if self.cadence else ""
        zone = self.cadence.get("timezone", "UTC") if self.cadence else "UTC"
        subject = {"kind": "collector", "id": self.collector_id}
        if kind == "missed-runs":
            data = {"notice": kind, **fields, "capped": False, "schedule": schedule, "timezone": zone}
            summary = f"{fields['missedRuns']} scheduled runs of {self.collector_id} were missed between {fields['from']} and {fields['to']}."
        elif kind == "run-skipped":
            data = {"notice": kind, **fields, "schedule": schedule}
            summary = f"The run of {self.collector_id} due at {fields['scheduledAt']} was skipped: the previous run was still going."
        else:
            data = {"error": {"name": "Error", "message": "the indie collector failed on purpose"}, "recordsBeforeFailure": 0}
            summary = f"Collector {self.collector_id} failed; evidence for this run is incomplete."
            finding = {"code": "collector-error", "severity": "high", "message": "the indie collector failed on purpose"}
            return self.append(t, NOTICE_SCHEMA_REF, subject, "error", summary, data, [finding])
        return self.append(t, NOTICE_SCHEMA_REF, subject, "info", summary, data)

    def run(self, index, t):
        day = t.date()
        if day in self.errors:
            self.notice(t, "failed-run", {})
            return
        for j, subject_id in enumerate(self.subjects):
            at = t + timedelta(milliseconds=j)
            subject = {"kind": f"indie-{self.kind}", "id": subject_id}
            if day in self.collector_errors:
                data = {"error": {"message": f"{subject_id} could not be read, on purpose"}}
                if self.kind == "range":
                    data["repository"] = subject_id
                finding = {"code": "indie-unavailable", "severity": "high", "message": f"{subject_id} could not be read"}
                self.append(at, self.schema_ref, subject, "error", f"{subject_id} could not be read.", data, [finding])
                continue
            status = "fail" if day in self.fail else "pass"
            findings = [{"code": "indie-failed", "severity": "medium", "message": f"{subject_id} failed on purpose", "ref": subject_id}] if status == "fail" else []
            data, attachments, items, ends = self.payload(index, subject_id, day)
            entry = self.append(at, self.schema_ref, subject, status, f"{subject_id}: {status}.", data, findings, attachments)
            entry["items"] = [f"{entry['hash']}#{i}" for i in items]
            if ends is not None:
                entry["range"] = ends

    def payload(self, index, subject_id, day):
        n = self.items_per[index % len(self.items_per)]
        if self.kind == "plain":
            return {"n": index}, [], [], None
        if self.kind == "single":
            return {"name": subject_id, "digest": "sha256:" + sha256_hex(f"{subject_id}/{index}".encode())}, [], [subject_id], None
        if self.kind == "list":
            ids = [f"{subject_id}-{index}-{k}" for k in range(n)]
            return {"entries": [{"id": i, "ok": True} for i in ids]}, [], ids, None
        last = self.range_end.get(subject_id)
        start = commit_id("break", self.stream, subject_id, str(index)) if day in self.range_breaks else last
        commits = []
        for _ in range(n):
            self.commits += 1
            commits.append({"id": commit_id(self.stream, subject_id, str(self.commits)), "author": f"dev{self.commits % 3}", "reviewed": self.commits % 4 != 0})
        commits.reverse()  # newest first, as git log lists them
        end = commits[0]["id"] if commits else start
        self.range_end[subject_id] = end
        data = {"repository": subject_id, "range": {"from": {"commit": start} if start else None, "to": {"commit": end} if end else None},
                "count": n}
        attachments = []
        if n <= self.inline_max:
            data["commits"] = commits
        else:
            body = "".join(canonical(c) + "\n" for c in commits).encode("utf-8")
            hex_digest = self.store.blob(body)
            attachments.append({"name": "commits.jsonl", "mediaType": "application/jsonl", "size": len(body), "sha256": hex_digest,
                                "key": f"blobs/sha256/{hex_digest}"})
        return data, attachments, [c["id"] for c in commits], {"from": start, "to": end}

    def write(self):
        # Payload schemas are stored before the first record that names them.
        self.schema_ref = "sha256:" + self.store.blob(canonical(payload_schema(self.kind)).encode("utf-8"))
        events = [(t, 0, i, "notice") for i, (t, _, _) in enumerate(self.notices)]
        events += [(t, 1, i, "run") for i, t in enumerate(self.runs) if t.date() not in self.gaps]
        for t, _, i, what in sorted(events):
            if what == "notice":
                at, kind, fields = self.notices[i]
                self.notice(at, kind, fields)
            else:
                self.run(i, t)
        return self.written


def notice_schema_bytes():
    with open(NOTICE_SCHEMA_FILE, encoding="utf-8") as fh:
        data = canonical(json.load(fh)).encode("utf-8")
    if "sha256:" + sha256_hex(data) != NOTICE_SCHEMA_REF:
        raise PlanError(f"{NOTICE_SCHEMA_FILE} does not hash to the published name {NOTICE_SCHEMA_REF}")
    return data


def write_store(root, plan):
    only_keys(plan, {"agents"}, "plan")
    agents = plan.get("agents")
    if not (isinstance(agents, list) and agents):
        raise PlanError("plan.agents: a non-empty list")
    store = Store(root)
    store.blob(notice_schema_bytes())
    summary = {"records": 0, "streams": {}}
    writers = []
    for a, spec in enumerate(agents):
        where = f"plan.agents[{a}]"
        only_keys(spec, {"id", "version", "host", "streams"}, where)
        check_id(spec.get("id"), f"{where}.id")
        agent = {"id": spec["id"], "version": spec.get("version", "0.0.0-indie"), "host": spec.get("host", "indie-host"),
                 "configSha256": sha256_hex(canonical(spec).encode("utf-8"))}
        for s, stream in enumerate(spec.get("streams", [])):
            writers.append(StreamWriter(store, agent, stream, f"{where}.streams[{s}]"))
    names = [w.stream for w in writers]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise PlanError(f"stream {duplicate} is planned twice; one writer per stream")
    for w in writers:
        summary["streams"][w.stream] = w.write()
        summary["records"] += len(w.written)
    return summary


DEMO_PLAN = {
    "agents": [
        {"id": "indie-a", "streams": [
            {"collector": "commits", "kind": "range", "controls": ["CC8.1"], "cadence": {"schedule": "0 3 * * *", "timezone": "Europe/Paris"},
             "start": "2026-01-01T02:00:00Z", "interval": 86400, "count": 31, "subjects": ["repo-a#main", "repo-b#main"],
             "itemsPerRecord": [1, 3, 0, 2], "inlineMax": 2, "gaps": [["2026-01-10", "2026-01-12"]], "errors": ["2026-01-15"],
             "collectorErrors": ["2026-01-16"], "rangeBreaks": ["2026-01-25"], "fail": ["2026-01-05"],
             "notices": [{"kind": "missed-runs", "at": "2026-01-13T08:00:00Z", "from": "2026-01-09T02:00:00Z", "to": "2026-01-13T08:00:00Z",
                          "missedRuns": 4},
                         {"kind": "run-skipped", "at": "2026-01-20T02:00:01Z", "scheduledAt": "2026-01-20T02:00:00Z"}]},
            {"collector": "models", "kind": "single", "controls": ["CC8.1", "PI1.2"], "cadence": {"every": "weekly"},
             "start": "2026-01-05T09:00:00Z", "interval": 604800, "count": 5, "subjects": ["fraud", "ranker"]},
        ]},
        {"id": "indie-b", "streams": [
            {"collector": "commits", "kind": "range", "controls": ["CC8.1"], "cadence": {"every": "daily"},
             "start": "2026-01-20T12:00:00Z", "interval": 86400, "until": "2026-02-01T00:00:00Z", "subjects": ["repo-a#main"]},
            {"collector": "drills", "kind": "list", "controls": ["A1.3"], "cadence": {"every": "monthly"},
             "start": "2026-01-01T00:00:00Z", "interval": 2592000, "count": 2, "itemsPerRecord": 3},
            {"collector": "hourly", "kind": "plain", "controls": ["CC7.2"], "start": "2026-01-31T20:00:00Z", "interval": 3600, "count": 8},
        ]},
    ]
}


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print("usage: write_store.py <store-folder> <plan.json | - | --demo>   (the plan format is at the top of this file)", file=sys.stderr)
        return 2
    root, source = argv[1], argv[2]
    try:
        if source == "--demo":
            plan = DEMO_PLAN
        elif source == "-":
            plan = json.load(sys.stdin)
        else:
            with open(source, encoding="utf-8") as fh:
                plan = json.load(fh)
        summary = write_store(root, plan)
    except (OSError, json.JSONDecodeError) as e:
        print(f"write_store.py: cannot read the plan {source}: {e}", file=sys.stderr)
        return 2
    except PlanError as e:
        print(f"write_store.py: {e}", file=sys.stderr)
        return 2
    except ForkError as e:
        print(f"write_store.py: {e}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
