"""`/policy <query>`: answered in the acknowledgement, ephemeral, within Slack's 3 seconds."""
from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from bot.services import Services
from handlers import strings as s
from handlers.blocks import render_notice
from handlers.dispatch import PolicyContext, logged_request, message_args, reply_to

# Slack allows 3 s for the acknowledgement, network included. An answer ready within this
# budget goes in the ack itself; anything slower is acknowledged first and sent after.
ACK_BUDGET_SECONDS = 2.0


def make_policy_command(services: Services, executor: Executor, budget: float = ACK_BUDGET_SECONDS):
    """Return the `/policy` listener, closed over the services and a worker pool."""

    def handle_policy_command(ack, command, respond, client, logger):
        """Answer `/policy <query>` for the user who typed it."""
        with logged_request("command", command.get("command") or s.COMMAND) as log:
            ctx = PolicyContext(
                services=services, surface="command", user_id=command.get("user_id"),
                channel_id=command.get("channel_id"), team_id=command.get("team_id"),
                client=client, logger=logger,
            )
            future = executor.submit(lambda: reply_to(command.get("text") or "", ctx).finish())
            try:
                reply = future.result(timeout=budget)
            except FutureTimeout:
                ack(response_type="ephemeral", **render_notice(s.WORKING))
                reply = future.result()
                log.note(reply)
                if reply.message:
                    respond(**message_args(reply.message, response_type="ephemeral", replace_original=False))
                return
            log.note(reply)
            if reply.message:
                ack(**message_args(reply.message, response_type="ephemeral"))
            else:
                ack()

    return handle_policy_command


def register(app, services: Services, executor: Executor | None = None) -> None:
    """Register `/policy` (and nothing else: one command, many subcommands)."""
    executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="policy-command")
    app.command(s.COMMAND)(make_policy_command(services, executor))
