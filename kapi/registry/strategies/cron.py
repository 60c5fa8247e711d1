"""Cron schedule syntax, as CronJobs accept it (``robfig/cron`` ``ParseStandard``).

Five fields (minute, hour, day of month, month, day of week) with ``*``, ``?``, lists, ranges
and steps, month and weekday names, or one of the ``@`` descriptors. Errors are worded as the
parser words them, since they end up in ``spec.schedule: Invalid value`` messages.
"""

from __future__ import annotations

__all__ = ["schedule_error"]

_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DAYS),
)
_DURATION_UNITS = ("ns", "us", "µs", "ms", "s", "m", "h")


def _atoi(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _value(text: str, names: dict[str, int]) -> int:
    if names and text.lower() in names:
        return names[text.lower()]
    return _atoi(text)


def _check_range(expr: str, lo: int, hi: int, names: dict[str, int]) -> None:
    range_and_step = expr.split("/")
    if len(range_and_step) > 2:
        raise ValueError(f"too many slashes: {expr}")
    low_and_high = range_and_step[0].split("-")
    if len(low_and_high) > 2:
        raise ValueError(f"too many hyphens: {expr}")
    if low_and_high[0] in ("*", "?"):
        start, end = lo, hi
    else:
        start = _value(low_and_high[0], names)
        end = _value(low_and_high[1], names) if len(low_and_high) == 2 else start
    if len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if step == 0:
            raise ValueError(f"step of range should be a positive number: {expr}")
    if start < lo:
        raise ValueError(f"beginning of range ({start}) below minimum ({lo}): {expr}")
    if end > hi:
        raise ValueError(f"end of range ({end}) above maximum ({hi}): {expr}")
    if start > end:
        raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")


def _duration_ok(text: str) -> bool:
    rest = text
    if not rest:
        return False
    while rest:
        i = 0
        while i < len(rest) and (rest[i].isdigit() or rest[i] == "."):
            i += 1
        if i == 0:
            return False
        rest = rest[i:]
        for unit in sorted(_DURATION_UNITS, key=len, reverse=True):
            if rest.startswith(unit):
                rest = rest[len(unit):]
                break
        else:
            return False
    return True


def schedule_error(schedule: str) -> str | None:
    """None when ``schedule`` parses, else the parser's message."""
    spec = schedule.strip()
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")):
        _tz, _, spec = spec.partition(" ")
        spec = spec.strip()
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return None
        if spec.startswith("@every "):
            arg = spec[len("@every "):].strip()
            return None if _duration_ok(arg) else f"failed to parse duration {spec}: time: invalid duration \"{arg}\""
        return f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: {spec}"
    try:
        for text, (lo, hi, names) in zip(fields, _BOUNDS, strict=True):
            for expr in text.split(","):
                _check_range(expr, lo, hi, names)
    except ValueError as exc:
        return str(exc)
    return None
