"""The settings of :mod:`fnn.runs.settings` as options: one per setting, for ``fnn run`` and, as lists, ``fnn sweep``.

:func:`with_settings` gives a command that takes ``**settings`` an option
for every setting, in the groups and order of :data:`fnn.runs.settings.GROUPS`,
ahead of the command's own options. :func:`config_from` and
:func:`choices_from` turn what was typed back into a ``RunConfig`` or into the
lists of values a sweep combines. Nothing here names a setting: a new field of
``RunConfig`` is a new option of both commands.
"""

from __future__ import annotations

import collections.abc
import inspect
import math
import typing
from typing import Annotated, Any, Callable, Mapping, Optional

import typer

from fnn.runs.search import CONTINUOUS, KINDS, Distribution, distribution
from fnn.runs.settings import GROUPS, SETTINGS, RunConfig, Setting
from fnn.cli._app import plugin_registry

_COMMA_LIST = "comma list"


def with_settings(*, sweep: bool) -> Callable:
    """Decorate a command that takes ``**settings``: its signature gets one option per setting
    (a list of values where ``sweep`` and the setting can be swept), before its own options."""

    def add(command: Callable) -> Callable:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, p.annotation))
               for p in inspect.signature(command).parameters.values() if p.kind is not p.VAR_KEYWORD]
        ordered = sorted(SETTINGS, key=lambda s: GROUPS.index(s.group))  # stable: field order within a group
        options = [_parameter(s, listed=sweep and s.sweep) for s in ordered]
        context = [p for p in own if p.annotation is typer.Context]
        # typer reads a command's options from its signature, so this is where they are declared.
        command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [*context, *options, *(p for p in own if p not in context)])
        return command

    return add


def config_from(values: Mapping[str, Any]) -> RunConfig:
    """The ``RunConfig`` of ``fnn run``'s options (the keyword arguments :func:`with_settings` added)."""
    return RunConfig(**{s.name: _one(s, values[s.name]) for s in SETTINGS})


def choices_from(values: Mapping[str, Any]) -> dict[str, list]:
    """The values of each setting that ``fnn sweep``'s options ask for, for :func:`fnn.runs.sweep.grid`;
    a setting given as a distribution is left out (see :func:`distributions_from`)."""
    return {s.name: _many(s, values[s.name]) if s.sweep else [_one(s, values[s.name])] for s in SETTINGS
            if not (s.sweep and _is_distribution(s, values[s.name]))}


def distributions_from(values: Mapping[str, Any]) -> dict[str, Distribution]:
    """The settings ``fnn sweep``'s options give as distributions (``--lr loguniform:1e-4,1``), by name,
    for :func:`fnn.runs.search.search`."""
    return {s.name: _distribution(s, values[s.name]) for s in SETTINGS
            if s.sweep and _is_distribution(s, values[s.name])}


# ------------------------------------------------------------------------------------------------ options


def _parameter(s: Setting, listed: bool) -> inspect.Parameter:
    if listed:
        help_text = f"{s.help} {_LIST_HELP.get(_shape(s), 'A comma list to sweep.')}{_drawn_help(s)}"
        option = _option(s, help_text, metavar=_LIST_METAVAR.get(_shape(s), "LIST"), show_default=_default_text(s))
        kind: Any = list[str] if _shape(s) == "options" else Optional[str]
        default: Any = [] if _shape(s) == "options" else None
    else:
        kind, default, metavar = _single(s)
        option = _option(s, s.help, metavar=metavar, show_default=s.default_text or bool(_default_text(s)))
    return inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=Annotated[kind, option])


def _option(s: Setting, help_text: str, metavar: str | None, show_default: Any) -> Any:
    flags = s.flags
    if _shape(s) == "flag" and s.default:  # a flag that is on by default needs its off switch
        flags = (f"{s.flags[0]}/--no-{s.flags[0][2:]}", *s.flags[1:])
    return typer.Option(*flags, help=help_text, rich_help_panel=s.group, metavar=metavar,
                        show_default=show_default, autocompletion=_completer(s.kind) if s.kind else None)


def _single(s: Setting) -> tuple[Any, Any, str | None]:
    """(type, default, metavar) of the option that takes one value of ``s``."""
    shape = _shape(s)
    if shape == "flag":
        return bool, s.default, None
    if shape == "sizes":
        return str, ",".join(map(str, s.default)), "SIZES"
    if shape == "options":
        return list[str], [], "KEY=VALUE"
    return (Optional[s.base] if s.optional else s.base), s.default, None


def _shape(s: Setting) -> str:
    if s.base is bool:
        return "flag"
    if s.base == tuple[int, ...]:
        return "sizes"
    if typing.get_origin(s.base) in (collections.abc.Mapping, dict):
        return "options"
    return "value"


_LIST_HELP = {"sizes": "Several to sweep separated by '/', e.g. 2,4/4,8.",
              "options": "KEY=V1,V2 sweeps the values, repeatable."}


def _drawn_help(s: Setting) -> str:
    """How ``s`` may be drawn in a random search (``--samples``), said once for every setting of its kind."""
    if _shape(s) == "options":
        return ""
    if _shape(s) == "sizes":
        return " Or choice:2,4/4,8 to draw from with --samples."
    if s.base not in (int, float):
        return " Or choice:A,B to draw from with --samples."
    whole = " (whole numbers, bounds included)" if s.base is int else ""
    return f" Or, with --samples, drawn from uniform:LOW,HIGH, loguniform:LOW,HIGH{whole} or choice:A,B."


_LIST_METAVAR = {"sizes": "SIZES/...", "options": "KEY=V1,V2"}


def _default_text(s: Setting) -> str | bool:
    """What ``--help`` shows as the default; False where there is none to show (not set, no options)."""
    if s.default_text:
        return s.default_text
    if s.default is None or s.default == {}:
        return False
    return ",".join(map(str, s.default)) if isinstance(s.default, tuple) else str(s.default)


def _completer(kind: str) -> Callable[[typer.Context, str], list[str]]:
    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        return [name for name in plugin_registry(ctx).names(kind) if name.startswith(incomplete)]

    return complete


# ----------------------------------------------------------------------------------------------- values


def _one(s: Setting, typed: Any) -> Any:
    """One setting's value from its single-value option."""
    shape = _shape(s)
    if shape == "sizes":
        return parse_hidden(typed)
    if shape == "options":
        return parse_options(typed)
    return typed


def _many(s: Setting, typed: Any) -> list:
    """One setting's values from its list option; not given: its default alone."""
    shape = _shape(s)
    if shape == "options":
        return _option_grid(typed)
    if typed is None:
        return [s.default]
    if shape == "sizes":
        return [parse_hidden(sizes) for sizes in typed.split("/")]
    return [_parsed(s, item) for item in _split(typed, s.flags[0])]


def _is_distribution(s: Setting, typed: Any) -> bool:
    """Whether ``typed`` is ``KIND:ARGUMENTS``; for a number, any word before a colon (``normal:0,1`` is then
    refused as no distribution rather than as no number)."""
    if not isinstance(typed, str) or ":" not in typed:
        return False
    return typed.partition(":")[0].strip() in KINDS or s.base in (int, float)


def _distribution(s: Setting, typed: str) -> Distribution:
    """``KIND:ARGUMENTS`` as a distribution of ``s``: choice's values in the setting's own list syntax
    (``4,8/8,16`` for --hidden), the bounds of uniform and loguniform as numbers of its type."""
    kind, _, arguments = (part.strip() for part in typed.partition(":"))
    if kind in CONTINUOUS:
        values = [_parsed(s, item) for item in _split(arguments, s.flags[0])] if s.base in (int, float) else []
    else:
        values = _many(s, arguments)
    return distribution(s.name, kind, values, f"{kind}:{arguments}")


def _parsed(s: Setting, item: str) -> Any:
    if s.base is str:
        return item
    try:
        value = s.base(item)
    except ValueError:
        raise typer.BadParameter(f"{item!r} is not {'an integer' if s.base is int else 'a number'}",
                                 param_hint=s.flags[0]) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise typer.BadParameter(f"{item!r} is not a finite number", param_hint=s.flags[0])
    return value


def _split(text: str, flag: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise typer.BadParameter(f"expected a comma list without empty items, got {text!r}", param_hint=flag)
    return items


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"4,8"`` -> ``(4, 8)``, and ``""`` -> ``()`` (no hidden layer: the inputs feed the output, as in
    logistic regression); anything else but a comma list of positive integers is a usage error."""
    if not text.strip():
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or any(size < 1 for size in sizes):
        raise typer.BadParameter(
            f"hidden sizes must be a comma list of positive integers such as 4,8, or '' for none; got {text!r}",
            param_hint="--hidden"
        )
    return sizes


def parse_options(pairs: list[str]) -> dict[str, float]:
    """``["momentum=0.95"]`` -> ``{"momentum": 0.95}``; every value a finite number."""
    options = {}
    for pair in pairs:
        key, sep, value = (part.strip() for part in pair.partition("="))
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--opt")
        try:
            number = float(value)
        except ValueError:
            raise typer.BadParameter(f"{key}: {value!r} is not a number", param_hint="--opt") from None
        if not math.isfinite(number):
            raise typer.BadParameter(f"{key}: {value!r} is not finite", param_hint="--opt")
        options[key] = number
    return options


def _option_grid(pairs: list[str]) -> list[dict[str, float]]:
    """``["momentum=0.5,0.9", "weight_decay=0,0.01"]`` -> every combination as a dict."""
    choices: dict[str, list[float]] = {}
    for pair in pairs:
        key, sep, listed = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=V1,V2,..., got {pair!r}", param_hint="--opt")
        choices[key.strip()] = [parse_options([f"{key}={value}"])[key.strip()] for value in _split(listed, "--opt")]
    combos: list[dict[str, float]] = [{}]
    for key, values in choices.items():
        combos = [{**combo, key: value} for combo in combos for value in values]
    return combos

