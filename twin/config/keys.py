"""Dotted config keys (``spacecraft.battery.capacity_wh``) checked against the models, so a typo in
a sweep's grid is named before any member runs."""
from __future__ import annotations

import difflib
import types
import typing
from typing import Annotated

from pydantic import BaseModel

from twin.config.sections import PRESET_KINDS, Scenario


def strip_annotation(annotation, optional: bool = True):
    """The type inside ``Annotated[...]`` (and, with ``optional``, inside ``X | None``)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif optional and origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def suggestion(word: str, choices) -> str:
    """``"; did you mean 'x'?"`` for the names in ``choices`` close to a misspelt ``word``, else ''."""
    close = [repr(c) for c in difflib.get_close_matches(word, list(choices), n=3)]
    if not close:
        return ""
    return "; did you mean " + (", ".join(close[:-1]) + " or " if len(close) > 1 else "") + close[-1] + "?"


def config_key_problem(dotted: str) -> str | None:
    """Why ``dotted`` names no place in a scenario config (None if it does, or cannot tell)."""
    node = Scenario
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        node = strip_annotation(node)
        origin = typing.get_origin(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            if part not in node.model_fields:
                if part == "preset" and i == 2 and ".".join(parts[:2]) in PRESET_KINDS:
                    return None
                where = ".".join(parts[:i]) or "the top level"
                allowed = list(node.model_fields) + (["preset"] if ".".join(parts[:i]) in PRESET_KINDS else [])
                return f"unknown key {part!r} in {where}{suggestion(part, allowed)}"
            node = node.model_fields[part].annotation
        elif origin is list:
            if not part.isdigit():
                return f"{'.'.join(parts[:i])} is a list: expected an index, got {part!r}"
            node = typing.get_args(node)[0]
        elif origin in (typing.Union, types.UnionType, dict):
            return None  # a choice of shell kinds or a free mapping: validation will tell
        else:
            return f"{'.'.join(parts[:i])} is a value, not a section"
    return None
