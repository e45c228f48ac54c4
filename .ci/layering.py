#!/usr/bin/env python3
"""The layering the SDK promises, checked from the sources and manifests:

- no `=` or `~` version requirement in any manifest of the workspace (a
  program's own ureq or hwcloud-sign must resolve beside ours);
- no hidden `unversioned` module of our own, and no use of ureq's;
- no command-line flag (`--name`) in a string of the library's non-test
  code: its messages name builder methods and environment variables.
"""
import pathlib
import re
import sys
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
problems = []

manifests = [root / "Cargo.toml"] + [root / p / "Cargo.toml" for p in ("sign", "fake", "cli", "fuzz")]
manifests += sorted((root / "footprint").glob("*/Cargo.toml"))


def requirements(table):
    for section in ("dependencies", "dev-dependencies", "build-dependencies"):
        for name, spec in table.get(section, {}).items():
            version = spec if isinstance(spec, str) else spec.get("version")
            if version:
                yield section, name, version
    for target in table.get("target", {}).values():
        yield from requirements(target)


for manifest in manifests:
    data = tomllib.loads(manifest.read_text())
    for section, name, version in requirements(data):
        if re.search(r"(^|,)\s*[=~]", version):
            problems.append(f"{manifest.relative_to(root)}: [{section}] {name} = {version!r} is an exact or tilde requirement")

STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
for path in sorted((root / "src").rglob("*.rs")) + sorted((root / "sign" / "src").rglob("*.rs")):
    text = path.read_text()
    code = text.split("#[cfg(test)]", 1)[0]
    for number, line in enumerate(code.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if re.search(r"\bunversioned\b", line):
            problems.append(f"{path.relative_to(root)}:{number}: `unversioned`")
        for literal in STRING.findall(line):
            if re.search(r"(^|[\s(\"])--[a-z]", literal):
                problems.append(f"{path.relative_to(root)}:{number}: a command-line flag in a message: {literal}")

for problem in problems:
    print(problem, file=sys.stderr)
if problems:
    sys.exit("error: the layering does not hold (see above)")
print("no exact or tilde requirement, no unversioned API, no flag in a library message")
