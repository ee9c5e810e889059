"""Cron expressions with crontab(5)'s meaning, on APScheduler 3 triggers.

Kept apart from the scheduler so settings can validate a schedule at start
without importing anything that talks to Slack.
"""
from __future__ import annotations

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 (and 7) is Sunday


def _weekday(token: str) -> int:
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    if token in WEEKDAYS:
        return WEEKDAYS.index(token)
    raise ValueError(f"day of week {token!r} is not 0-7 or sun-sat")


def crontab_weekdays(field: str) -> str:
    """Translate crontab's day-of-week field into APScheduler 3's, as weekday names.

    APScheduler 3 numbers weekdays from Monday = 0 even in `from_crontab` (its issue 286),
    so `0 9 * * 1` would fire on Tuesdays; names mean the same thing to both.
    """
    field = field.lower()
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for term in field.split(","):
        part, slash, step_text = term.partition("/")
        if slash and not step_text.isdigit() or step_text == "0":
            raise ValueError(f"bad step in day of week {term!r}")
        step = int(step_text) if slash else 1
        if part == "*":
            first, last = 0, 6
        elif "-" in part:
            first, last = (_weekday(x) for x in part.split("-", 1))
        else:
            first = last = _weekday(part)
            if slash:  # `1/2`: from Monday, every other day
                last = 6
        if last < first:
            raise ValueError(f"day-of-week range {part!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    return "*" if len(days) == 7 else ",".join(WEEKDAYS[d] for d in sorted(days))


def parse_crontab(expr: str, timezone):
    """Return an APScheduler trigger firing as crontab(5) would for `expr` in `timezone`.

    Differences from `CronTrigger.from_crontab` fixed here: weekdays are numbered from
    Sunday = 0 (or 7), and when both day of month and day of week are restricted the job
    fires on either (crontab's rule), not only on days matching both.
    """
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    weekday = crontab_weekdays(weekday)

    def trigger(day: str, weekday: str) -> CronTrigger:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=timezone)

    if day not in ("*", "?") and weekday != "*":
        return OrTrigger([trigger(day, "*"), trigger("*", weekday)])
    return trigger(day.replace("?", "*"), weekday)
