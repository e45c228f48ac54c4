#!/usr/bin/env python3
"""Fails when two source files import each other, directly or through others.

Reads every `crate::...` and `super::...` path in the .rs files of each crate
root given (src/, sign/src, cli/src, fake/src), resolves each to the file of the
longest module prefix that names one, and looks for cycles in the resulting
file graph. A child naming its own parent module (`super::` from a child
file, the usual layout) does not count; neither do `#[cfg(test)]` modules,
which only test their own file.
"""
import os
import re
import sys

PATH = re.compile(r"\b(crate|super)((?:::\w+)+)")
USE_GROUP = re.compile(r"\buse\s+(\w+)((?:::\w+)*)::\{([^;]*)\};", re.S)


def modules(root, entry):
    """Map module path tuple -> file, for the crate whose root file is `entry`."""
    files = {(): os.path.join(root, entry)}
    for dirpath, _, names in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        for name in names:
            if not name.endswith(".rs") or (not parts and name == entry):
                continue
            stem = name[:-3]
            key = parts if stem == "mod" else parts + (stem,)
            files[key] = os.path.join(dirpath, name)
    return files


def module_of(files, path):
    for key, file in files.items():
        if file == path:
            return key
    return None


def strip_tests(text):
    """The file without its `#[cfg(test)] mod tests { ... }` block."""
    at = text.find("#[cfg(test)]\nmod tests")
    return text if at < 0 else text[:at]


def targets(files, key, is_mod_rs, text):
    text = strip_tests(re.sub(r"//[^\n]*", "", text))
    found = []
    paths = []
    children = {k[-1] for k in files if len(k) == len(key) + 1 and k[: len(key)] == key}
    for base, prefix, group in USE_GROUP.findall(text):
        if base in children:
            base, prefix = "self", "::" + base + prefix
        elif base not in ("crate", "super"):
            continue
        for item in re.split(r"[,\s]+", re.sub(r"\{[^}]*\}", "", group)):
            if item and item != "self":
                paths.append((base, prefix + "::" + item.split("::")[0]))
            elif item == "self":
                paths.append((base, prefix))
    paths += PATH.findall(text)
    # A path that starts with a child module's name (`use exchange::run;`,
    # `metadata::fetch(..)`), relative to this module.
    for name, rest in re.findall(r"(?<![\w:])(\w+)((?:::\w+)+)", text):
        if name in children:
            paths.append(("self", "::" + name + rest))
    for base, rest in paths:
        parts = tuple(p for p in rest.split("::") if p)
        if base == "crate":
            start = ()
        elif base == "self":
            start = key
        else:
            # `super` of a mod.rs is its module's parent; of a.rs, a's parent.
            start = key[:-1] if key else ()
            while parts and parts[0] == "super":
                start, parts = start[:-1], parts[1:]
        full = start + parts
        for n in range(len(full), -1, -1):
            if full[:n] in files:
                found.append(full[:n])
                break
    return found


def check(root, entry):
    files = modules(root, entry)
    graph = {}
    for key, file in files.items():
        with open(file, encoding="utf-8") as f:
            text = f.read()
        is_mod_rs = file.endswith("mod.rs") or file.endswith(entry)
        edges = set()
        for target in targets(files, key, is_mod_rs, text):
            if target == key:
                continue
            # A child naming an ancestor module: the usual layout.
            if key[: len(target)] == target:
                continue
            edges.add(target)
        graph[key] = edges
    cycles, seen = [], set()
    for a, edges in sorted(graph.items()):
        for b in sorted(edges):
            if a in reach(graph, b) and frozenset((a, b)) not in seen:
                seen.add(frozenset((a, b)))
                cycles.append((a, b))
    name = lambda k: files[k]
    return [(name(a), name(b)) for a, b in cycles]


def reach(graph, start):
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def main():
    failed = False
    for root, entry in [("src", "lib.rs"), ("sign/src", "lib.rs"), ("cli/src", "main.rs"), ("fake/src", "lib.rs")]:
        for a, b in check(root, entry):
            print(f"import cycle: {a} -> {b} -> ... -> {a}", file=sys.stderr)
            failed = True
    if failed:
        sys.exit("error: source files import each other (see above)")
    print("no import cycle between source files")


if __name__ == "__main__":
    main()
