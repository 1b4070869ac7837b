"""``twin examples [NAME|all] [--to DIR] [--force]``: the example configs twin ships.

Without NAME, one line per example: its name and the first line of its opening comment. With
NAME (or ``all``) the example is copied into DIR at the same place it has among the shipped
files (``sweeps/economics-mc`` -> ``DIR/sweeps/economics-mc.yaml``), with the base config a sweep
names, so ``twin run`` / ``twin sweep`` work on the copies as they are. Presets and data files are
not copied: a config finds the shipped ones when its folder has none (:mod:`twin.config.resources`).

Nothing is written if any copy would replace a file whose contents differ, unless ``--force``;
a file that already holds the same bytes is left as it is.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from twin.errors import InputError

# twin.config (pydantic and the models) is imported where it is used: building the parser must
# stay cheap for every other subcommand


def add_parser(subparsers) -> None:
    """Register ``twin examples`` on the ``add_subparsers()`` object of twin's parser."""
    e = subparsers.add_parser("examples", help="list the example configs twin ships, or copy them to a folder")
    e.add_argument("name", nargs="?", help="an example's name (see the list), or all")
    e.add_argument("--to", default=".", metavar="DIR", help="folder to copy into (default: the current one)")
    e.add_argument("--force", action="store_true", help="replace files in DIR that differ from the examples")
    e.set_defaults(func=cmd_examples)


def cmd_examples(args) -> int:
    if args.name is None:
        print(listing())
        return 0
    written = copy_examples(args.name, Path(args.to), args.force)
    for path in written:
        print(path)
    if not written:
        print(f"twin examples: {args.to} already holds {args.name}, unchanged", file=sys.stderr)
    return 0


def listing() -> str:
    from twin.config.resources import example_configs, first_comment, shipped_dir

    examples = example_configs()
    if not examples:
        raise InputError(f"no example configs in {shipped_dir()}: twin's install is incomplete")
    width = max(len(name) for name in examples)
    return "\n".join(f"{name:<{width}}  {first_comment(path)}" for name, path in examples.items())


def resolve_name(name: str) -> list[str]:
    """The example names ``name`` stands for: itself, ``all``, or a name without its folder or
    with ``.yaml``. InputError listing the names if it matches none."""
    from twin.config.keys import suggestion
    from twin.config.resources import example_configs

    examples = example_configs()
    if name == "all":
        return list(examples)
    name = name.removesuffix(".yaml")
    if name in examples:
        return [name]
    by_stem = [n for n in examples if n.rsplit("/", 1)[-1] == name]
    if len(by_stem) == 1:
        return by_stem
    hint = suggestion(name, examples) or f"; there are: all, {', '.join(examples)}"
    raise InputError(f"no example {name!r}{hint}")


def files_to_copy(names: list[str]) -> list[Path]:
    """The shipped files (relative to the shipped folder) that ``names`` need: each config and, for
    a sweep, the base config it names when that is shipped too."""
    import yaml

    from twin.config.resources import example_configs, shipped_dir

    root = shipped_dir().resolve()
    examples = example_configs()
    wanted: dict[Path, None] = {}
    for name in names:
        path = examples[name].resolve()
        wanted[path.relative_to(root)] = None
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        base = data.get("base") if isinstance(data, dict) else None   # a sweep's; scenarios have none
        if isinstance(base, str):
            base_path = (path.parent / base).resolve()
            if base_path.is_relative_to(root) and base_path.is_file():
                wanted[base_path.relative_to(root)] = None
    return list(wanted)


def copy_examples(name: str, to: Path, force: bool = False) -> list[Path]:
    """Copy the example(s) ``name`` into ``to``; the paths written. InputError (one line) if ``to``
    is not a folder or, without ``force``, if a copy would replace a different file."""
    if to.exists() and not to.is_dir():
        raise InputError(f"{to}: not a folder (twin examples --to wants one)")
    from twin.config.resources import shipped_dir

    root = shipped_dir()
    pairs = [(root / rel, to / rel) for rel in files_to_copy(resolve_name(name))]
    clashes = [dst for src, dst in pairs if dst.exists() and (not dst.is_file() or dst.read_bytes() != src.read_bytes())]
    if clashes and not force:
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise InputError(f"{clashes[0]}: exists and differs from the example{more}; --force replaces it")
    written = []
    for src, dst in pairs:
        if dst.is_file() and dst.read_bytes() == src.read_bytes():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        written.append(dst)
    return written
