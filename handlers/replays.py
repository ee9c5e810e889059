"""Answer a replayed request once: the same signature seen again within its window, on any instance.

A signed request stays valid for five minutes, so whoever captured one (or a proxy that
retries) could deliver it again; `digest now` would post twice. Each signature is taken once
in the database, after Bolt has checked it, so only genuine requests are recorded.
"""
from __future__ import annotations

import json
import logging

from slack_bolt import BoltResponse

from bot.seen import SIGNATURE_TTL, SeenKeys

requests_log = logging.getLogger("policybot.requests")


def make_replay_guard(seen: SeenKeys):
    """Return the global middleware that answers a replayed request with an empty 200, doing nothing."""

    def guard_replays(req, next):
        signature = (req.headers.get("x-slack-signature") or [None])[0]
        # Socket Mode requests carry no signature: the socket itself is authenticated.
        if signature and not seen.claim(f"signature:{signature}", ttl=SIGNATURE_TTL, team=req.context.team_id):
            requests_log.info(json.dumps({"event": "replay", "status": 200, "reason": "signature already seen"}))
            return BoltResponse(status=200, body="")
        next()

    return guard_replays
