"""The background jobs of `policybot serve`: digest schedules, the digest sweep, the corpus watcher.

One APScheduler BackgroundScheduler runs them all in the serving process:
- a cron job per digest schedule, in the schedule's time zone, so a digest goes out on time;
- a sweep every minute (and once at start) that posts a slot missed while the bot was down
  and retries a failed post;
- a corpus check every minute, independent of digests, so documents dropped into the folder
  are answered without a restart.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.digest_runner import DigestRunner
from bot.watcher import CorpusWatcher

log = logging.getLogger("policybot.jobs")

SWEEP_SECONDS = 60
WATCH_SECONDS = 60


@dataclass
class Jobs:
    """The running scheduler; `shutdown()` stops it (waiting for a digest being posted)."""

    scheduler: object

    def shutdown(self, wait: bool = True) -> None:
        if getattr(self.scheduler, "running", False):
            self.scheduler.shutdown(wait=wait)


def start_jobs(runner: DigestRunner | None, watcher: CorpusWatcher | None, *,
               sweep_seconds: float = SWEEP_SECONDS, watch_seconds: float = WATCH_SECONDS) -> Jobs:
    """Start the background jobs; `None` for a part that is switched off in the settings.

    Raises:
        ConfigError: a schedule's cron expression is invalid.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BackgroundScheduler(
        timezone=dt.timezone.utc,
        # A job late because the process was busy or asleep runs once, however late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    started = dt.datetime.now(dt.timezone.utc)
    if watcher is not None:
        scheduler.add_job(watcher.check, IntervalTrigger(seconds=watch_seconds), id="corpus-watch",
                          name="corpus watch")
    if runner is not None:
        runner.register()
        for i, (schedule, trigger) in enumerate(runner.triggers):
            scheduler.add_job(runner.run_schedule, trigger, args=[schedule], id=f"digest-{i}",
                              name=f"digest {schedule.channel} ({schedule.cron} {schedule.timezone})")
        # The first sweep runs at once: it posts a digest missed while the bot was down.
        scheduler.add_job(runner.tick, IntervalTrigger(seconds=sweep_seconds), id="digest-sweep",
                          name="digest sweep", next_run_time=started)
    scheduler.start()
    log.info("background jobs started: %d digest schedule(s)%s", len(runner.triggers) if runner else 0,
             ", corpus watched" if watcher else "")
    return Jobs(scheduler)
