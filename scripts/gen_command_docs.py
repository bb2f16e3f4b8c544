#!/usr/bin/python3
"""Generates kora-server/src/command_docs.inc from Redis 7.0's command JSON files
(src/commands/*.json of a Redis 7.0 source tree): for every command, the parts of
COMMAND DOCS and COMMAND INFO that Kora's command table does not hold — the
documentation (summary, since, group, complexity, doc flags, history, arguments,
subcommands) and the COMMAND INFO row (flags, the legacy key range, categories,
tips, key specs, subcommand rows) — each rendered once as RESP3 text in Redis's field order (server.c addReplyCommandDocs,
addReplyCommandKeySpecs...). At run time Kora copies the text for RESP3 clients
and rewrites maps and sets as arrays for RESP2. Facts only.

    scripts/gen_command_docs.py <redis-src>/src/commands > kora-server/src/command_docs.inc
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_acl_facts  # noqa: E402
from gen_acl_facts import CATS  # noqa: E402
CMD_FLAGS = [("WRITE", "write"), ("READONLY", "readonly"), ("DENYOOM", "denyoom"), ("MODULE", "module"),
             ("ADMIN", "admin"), ("PUBSUB", "pubsub"), ("NOSCRIPT", "noscript"), ("BLOCKING", "blocking"),
             ("LOADING", "loading"), ("STALE", "stale"), ("SKIP_MONITOR", "skip_monitor"),
             ("SKIP_SLOWLOG", "skip_slowlog"), ("ASKING", "asking"), ("FAST", "fast"), ("NO_AUTH", "no_auth"),
             ("NO_MANDATORY_KEYS", "no_mandatory_keys"), ("NO_ASYNC_LOADING", "no_async_loading"),
             ("NO_MULTI", "no_multi"), ("MOVABLE_KEYS", "movablekeys"), ("ALLOW_BUSY", "allow_busy")]
KEY_FLAGS = [("RO", "RO"), ("RW", "RW"), ("OW", "OW"), ("RM", "RM"), ("ACCESS", "access"), ("UPDATE", "update"),
             ("INSERT", "insert"), ("DELETE", "delete"), ("NOT_KEY", "not_key"), ("INCOMPLETE", "incomplete"),
             ("VARIABLE_FLAGS", "variable_flags")]


def bulk(s):
    b = s.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def integer(n):
    return b":%d\r\n" % n


def agg(kind, items, pairs=False):
    n = len(items) // 2 if pairs else len(items)
    return kind.encode() + str(n).encode() + b"\r\n" + b"".join(items)


def status(s):
    return b"+" + s.encode() + b"\r\n"


def flag_set(present, table):
    """Redis's addReplyCommandFlags: a set of status replies, in the table's order."""
    return agg("~", [status(name) for key, name in table if key in present])


def arg_list(args):
    out = []
    for a in args:
        fields = [bulk("name"), bulk(a["name"].lower()), bulk("type"), bulk(a["type"])]
        if "key_spec_index" in a:
            fields += [bulk("key_spec_index"), integer(a["key_spec_index"])]
        if "token" in a:
            fields += [bulk("token"), bulk(a["token"])]
        if "summary" in a:
            fields += [bulk("summary"), bulk(a["summary"])]
        if "since" in a:
            fields += [bulk("since"), bulk(a["since"])]
        if "deprecated_since" in a:
            fields += [bulk("deprecated_since"), bulk(a["deprecated_since"])]
        flags = [f for f in ("optional", "multiple", "multiple_token") if a.get(f)]
        if flags:
            fields += [bulk("flags"), agg("~", [status(f) for f in flags])]
        if a["type"] in ("oneof", "block"):
            fields += [bulk("arguments"), arg_list(a.get("arguments", []))]
        out.append(agg("%", fields, pairs=True))
    return agg("*", out)


def docs(cmd, subs):
    fields = []
    if "summary" in cmd:
        fields += [bulk("summary"), bulk(cmd["summary"])]
    if "since" in cmd:
        fields += [bulk("since"), bulk(cmd["since"])]
    fields += [bulk("group"), bulk(cmd["group"].replace("_", "-"))]
    if "complexity" in cmd:
        fields += [bulk("complexity"), bulk(cmd["complexity"])]
    if cmd.get("doc_flags"):
        fields += [bulk("doc_flags"), agg("~", [status(f.lower()) for f in cmd["doc_flags"]])]
    if "deprecated_since" in cmd:
        fields += [bulk("deprecated_since"), bulk(cmd["deprecated_since"])]
    if "replaced_by" in cmd:
        fields += [bulk("replaced_by"), bulk(cmd["replaced_by"])]
    if cmd.get("history"):
        fields += [bulk("history"), agg("~", [agg("*", [bulk(s), bulk(c)]) for s, c in cmd["history"]])]
    if cmd.get("arguments"):
        fields += [bulk("arguments"), arg_list(cmd["arguments"])]
    if subs:
        items = []
        for full, sub in subs:
            items += [bulk(full), docs(sub, [])]
        fields += [bulk("subcommands"), agg("%", items, pairs=True)]
    return agg("%", fields, pairs=True)


def tips(cmd):
    return agg("~", [bulk(t.lower()) for t in cmd.get("command_tips", [])])


def key_specs(cmd):
    out = []
    for ks in cmd.get("key_specs", []):
        fields = []
        if "notes" in ks:
            fields += [bulk("notes"), bulk(ks["notes"])]
        fields += [bulk("flags"), flag_set(set(ks.get("flags", [])), KEY_FLAGS)]
        bs = ks["begin_search"]
        if "index" in bs:
            spec = agg("%", [bulk("index"), integer(bs["index"]["pos"])], pairs=True)
            fields += [bulk("begin_search"), agg("%", [bulk("type"), bulk("index"), bulk("spec"), spec], pairs=True)]
        elif "keyword" in bs:
            spec = agg("%", [bulk("keyword"), bulk(bs["keyword"]["keyword"]), bulk("startfrom"),
                             integer(bs["keyword"]["startfrom"])], pairs=True)
            fields += [bulk("begin_search"), agg("%", [bulk("type"), bulk("keyword"), bulk("spec"), spec], pairs=True)]
        else:
            fields += [bulk("begin_search"), agg("%", [bulk("type"), bulk("unknown"), bulk("spec"), b"%0\r\n"],
                                                 pairs=True)]
        fk = ks["find_keys"]
        if "range" in fk:
            r = fk["range"]
            spec = agg("%", [bulk("lastkey"), integer(r["lastkey"]), bulk("keystep"), integer(r["step"]),
                             bulk("limit"), integer(r["limit"])], pairs=True)
            fields += [bulk("find_keys"), agg("%", [bulk("type"), bulk("range"), bulk("spec"), spec], pairs=True)]
        elif "keynum" in fk:
            k = fk["keynum"]
            spec = agg("%", [bulk("keynumidx"), integer(k["keynumidx"]), bulk("firstkey"), integer(k["firstkey"]),
                             bulk("keystep"), integer(k["step"])], pairs=True)
            fields += [bulk("find_keys"), agg("%", [bulk("type"), bulk("keynum"), bulk("spec"), spec], pairs=True)]
        else:
            fields += [bulk("find_keys"), agg("%", [bulk("type"), bulk("unknown"), bulk("spec"), b"%0\r\n"],
                                              pairs=True)]
        out.append(agg("%", fields, pairs=True))
    return agg("~", out)


def legacy_range(cmd):
    """Redis's populateCommandLegacyRangeSpec: (first, last, step, movable)."""
    specs = cmd.get("key_specs", [])
    movable = False  # a getkeys function alone does not make keys movable (module commands only)
    if not specs:
        return 0, 0, 0, movable
    def simple(ks):
        return "index" in ks["begin_search"] and "range" in ks["find_keys"]
    if len(specs) == 1 and simple(specs[0]):
        ks = specs[0]
        pos, last = ks["begin_search"]["index"]["pos"], ks["find_keys"]["range"]["lastkey"]
        movable = movable or "INCOMPLETE" in ks.get("flags", [])
        return pos, (last + pos if last >= 0 else last), ks["find_keys"]["range"]["step"], movable
    first, last, prev = None, 0, 0
    for ks in specs:
        if not simple(ks):
            movable = True
            continue
        pos, r = ks["begin_search"]["index"]["pos"], ks["find_keys"]["range"]
        if r["step"] != 1 or (prev and prev != pos - 1):
            movable = True
            continue
        if "INCOMPLETE" in ks.get("flags", []):
            movable = True
        first = pos if first is None else min(first, pos)
        abs_last = r["lastkey"] + pos if r["lastkey"] >= 0 else r["lastkey"]
        last = max(last & 0xffffffff, abs_last & 0xffffffff)
        last = last - (1 << 32) if last >= (1 << 31) else last
        prev = last
    if first is None:
        return 0, 0, 0, True
    rel = last if last < 0 else last - first
    return first, (rel + first if rel >= 0 else rel), 1, movable


def categories(cmd):
    """The command's ACL categories in Redis's order (gen_acl_facts.cats_of's rules)."""
    mask = gen_acl_facts.cats_of(cmd)
    return [c for i, c in enumerate(CATS) if mask & (1 << i)]


def info_row(full, cmd, subcommands=b"~0\r\n"):
    first, last, step, movable = legacy_range(cmd)
    flags = set(cmd.get("command_flags", []))
    if movable:
        flags.add("MOVABLE_KEYS")
    cats = [status("@" + c) for c in categories(cmd)]
    return agg("*", [bulk(full), integer(cmd["arity"]), flag_set(flags, CMD_FLAGS),
                     integer(first), integer(last), integer(step), agg("~", cats),
                     tips(cmd), key_specs(cmd), subcommands])


def c_string(b):
    out = []
    for ch in b:
        if ch == 0x5c:
            out.append("\\\\")
        elif ch == 0x22:
            out.append('\\"')
        elif ch == 0x0d:
            out.append("\\r")
        elif ch == 0x0a:
            out.append("\\n")
        elif 0x20 <= ch < 0x7f:
            out.append(chr(ch))
        else:
            out.append("\\%03o" % ch)
    return '"' + "".join(out) + '"'


def main(path):
    top, subs = {}, {}
    for f in sorted(os.listdir(path)):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(path, f)) as fh:
            for name, cmd in json.load(fh).items():
                if "container" in cmd:
                    subs.setdefault(cmd["container"].lower(), []).append((name.lower(), cmd))
                else:
                    top[name.lower()] = cmd
    print("// Generated by scripts/gen_command_docs.py from Redis 7.0's src/commands/*.json: do not edit.")
    print("// {name, COMMAND DOCS map, COMMAND INFO row}, RESP3 text.")
    for name in sorted(top):
        cmd = top[name]
        sub = sorted(subs.get(name, []))
        full_subs = [(f"{name}|{s}", c) for s, c in sub]
        # Redis replies an empty set for no subcommands, an array otherwise.
        rows = agg("*", [info_row(full, c) for full, c in full_subs]) if full_subs else b"~0\r\n"
        print("{%s, %s, %s}," % (c_string(name.encode()), c_string(docs(cmd, full_subs)),
                                 c_string(info_row(name, cmd, rows))))


if __name__ == "__main__":
    main(sys.argv[1])
