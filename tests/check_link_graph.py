#!/usr/bin/python3
"""Checks the real link graph of Kora's targets against docs/architecture.md.

The allowed edges are the rows of the table under the heading "## Layers" in
docs/architecture.md: column 1 names a target (`kora-core`), column 3 lists the
Kora targets it may link (`kora-core, kora-protocol` or `none`). The real graph
comes from `cmake --graphviz` on the build tree. Any real edge between two Kora
targets that the table does not allow fails the check, and so does a cycle.
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile


def allowed_edges(architecture_md):
    text = architecture_md.read_text()
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    allowed = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`kora-"):
            continue
        name = cells[0].strip("`")
        deps = re.findall(r"kora-[a-z]+", cells[2])
        allowed[name] = set(deps)
    return allowed


def real_edges(build_dir):
    with tempfile.TemporaryDirectory() as tmp:
        dot = pathlib.Path(tmp) / "graph.dot"
        subprocess.run(["cmake", f"--graphviz={dot}", str(build_dir)], check=True,
                       stdout=subprocess.DEVNULL)
        text = dot.read_text()
    names = {}
    for node, label in re.findall(r'"(node\d+)"\s*\[\s*label\s*=\s*"([^"]+)"', text):
        names[node] = label.split("\\n")[0]  # "kora_server\n(kora::server)"
    edges = set()
    for a, b in re.findall(r'"(node\d+)"\s*->\s*"(node\d+)"', text):
        edges.add((names[a], names[b]))
    return names.values(), edges


def to_module(target):
    """kora_core / kora::core / kora-cli -> kora-core / kora-cli; others -> None."""
    m = re.fullmatch(r"kora(?:_|::)([a-z]+)", target)
    if m:
        return f"kora-{m.group(1)}"
    if target == "kora-cli":
        return target
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    allowed = allowed_edges(pathlib.Path(args.source_dir) / "docs" / "architecture.md")
    nodes, edges = real_edges(args.build_dir)

    problems = []
    modules = {to_module(n) for n in nodes} - {None}
    for m in sorted(modules - set(allowed)):
        problems.append(f"{m} is a target but has no row in the layer table")
    graph = {}
    for a, b in edges:
        ma, mb = to_module(a), to_module(b)
        if not ma or not mb or ma == mb:
            continue
        graph.setdefault(ma, set()).add(mb)
        if mb not in allowed.get(ma, set()):
            problems.append(f"edge {ma} -> {mb} is not allowed by docs/architecture.md")

    # Cycle check (the table itself could allow one).
    state = {}

    def visit(n, path):
        state[n] = 1
        for d in graph.get(n, ()):
            if state.get(d) == 1:
                problems.append("cycle: " + " -> ".join(path + [n, d]))
            elif d not in state:
                visit(d, path + [n])
        state[n] = 2

    for n in list(graph):
        if n not in state:
            visit(n, [])

    if "kora-core" in graph:
        problems.append(f"kora-core links {sorted(graph['kora-core'])}: it must have no Kora dependency")

    for name in sorted(graph):
        print(f"{name} -> {', '.join(sorted(graph[name]))}")
    if problems:
        print("\n".join(["LINK GRAPH VIOLATIONS:"] + problems), file=sys.stderr)
        return 1
    print(f"link graph OK: {sum(len(v) for v in graph.values())} edges, all allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
