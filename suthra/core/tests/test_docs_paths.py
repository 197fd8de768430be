"""Every file the docs name exists (issue 21: DEPLOY.md named a file that was not shipped)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Paths inside the repository, as the docs write them: `docs/x.md`, suthra/app/file.py, ...
PATH = re.compile(
    r"(?<![\w/.-])((?:docs|suthra|config|bench|bin|static|locale|\.ci)/[\w./-]*[\w/])"
)
PLACEHOLDER = re.compile(r"[<>*{}]|\.\.\.")
# Folders the tools write when they run (git-ignored), named by the docs as where to look.
WRITTEN_BY_RUNS = {"bench/results/", "bench/out/"}


def named_paths() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for match in PATH.finditer(doc.read_text(encoding="utf-8")):
            path = match.group(1).rstrip(".")
            if PLACEHOLDER.search(path) or path in WRITTEN_BY_RUNS:
                continue
            found.append((doc.name, path))
    return found


def test_the_docs_name_paths_at_all():
    assert len(named_paths()) > 20


def test_every_file_the_docs_name_exists():
    missing = sorted(
        {f"{doc}: {path}" for doc, path in named_paths() if not (ROOT / path).exists()}
    )
    assert not missing, "The docs name files that do not exist:\n" + "\n".join(missing)


def test_the_example_environment_names_only_settings_the_project_reads():
    example = (ROOT / "docs/deploy/env.example").read_text(encoding="utf-8")
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE)
    read = (ROOT / "config/settings.py").read_text(encoding="utf-8")
    unknown = [name for name in names if f'"{name}"' not in read]
    assert names and not unknown, unknown
