"""Parameter coercion for esign's simple parameter types, without pydantic.

Typer 0.29 coerces every non-bool value through a pydantic TypeAdapter, and importing pydantic
costs about 85 ms: more than the rest of `esign doc info ID` before the HTTP call. esign's
parameters are all plain (str, int, float with min/max, one Enum, lists of str), so each gets a
light coercion with the same checks and messages. Anything else keeps Typer's own path. This
reaches into Typer internals (`RuntimeParam`, the `_runtime_param` attribute) through
esign.cli._typer.private: without them nothing here applies and Typer's own path is used.
"""

from __future__ import annotations

import math
import types
import typing
from enum import Enum
from typing import Any

from esign.cli._typer.private import click, runtime_param_class

BadParameter = click.BadParameter
SIMPLE = (str, int, float, bool)


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _simple_class() -> type | None:
    base = runtime_param_class()
    if base is None:
        return None

    class SimpleRuntimeParam(base):  # type: ignore[valid-type,misc]
        # A plain subclass of Typer's frozen dataclass, its two fields set past the freeze:
        # generating another dataclass cost about 1 ms of every start-up, `--help` too.
        def __init__(self, parameter_info: Any, annotation: Any, kind: Any, many: bool) -> None:
            super().__init__(parameter_info=parameter_info, annotation=annotation)
            object.__setattr__(self, "kind", kind)
            object.__setattr__(self, "many", many)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.many:
                return [self._one(item, param, ctx) for item in value]
            return self._one(value, param, ctx)

        def _one(self, value: Any, param: Any, ctx: Any) -> Any:
            kind = self.kind
            if isinstance(kind, type) and issubclass(kind, Enum):
                try:
                    return kind(value)
                except ValueError:
                    choices = ", ".join(repr(m.value) for m in kind)
                    raise BadParameter(
                        f"{value!r} is not one of {choices}.", ctx=ctx, param=param
                    ) from None
            if kind is str:
                return value if isinstance(value, str) else str(value)
            if kind is bool:
                if isinstance(value, bool):
                    return value
                raise BadParameter(f"{value!r} is not a flag value.", ctx=ctx, param=param)
            try:
                number = kind(value)
            except (TypeError, ValueError):
                label = "an integer" if kind is int else "a number"
                raise BadParameter(f"{value!r} is not {label}.", ctx=ctx, param=param) from None
            if isinstance(number, float) and not math.isfinite(number):
                # nan passes every bound check, and inf (or 1e309) is no timeout either.
                raise BadParameter(f"{value!r} is not a finite number.", ctx=ctx, param=param)
            low, high = self.parameter_info.min, self.parameter_info.max
            if (low is not None and number < low) or (high is not None and number > high):
                bounds = " and ".join(
                    text
                    for text in (
                        f">= {low}" if low is not None else "",
                        f"<= {high}" if high is not None else "",
                    )
                    if text
                )
                raise BadParameter(f"{value} is not {bounds}.", ctx=ctx, param=param)
            return number

    return SimpleRuntimeParam


_SIMPLE_CLASS = _simple_class()


def install(params: list[Any]) -> None:
    """Give each simple parameter the light coercion (once; it is cached on the parameter)."""
    if _SIMPLE_CLASS is None:
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", "missing") is not None:
            continue
        annotation = _unwrap_optional(descriptor.annotation)
        many = typing.get_origin(annotation) is list
        if many:
            (annotation,) = typing.get_args(annotation) or (str,)
        is_enum = isinstance(annotation, type) and issubclass(annotation, Enum)
        if annotation not in SIMPLE and not is_enum:
            continue
        param._runtime_param = _SIMPLE_CLASS(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            kind=annotation,
            many=many,
        )
