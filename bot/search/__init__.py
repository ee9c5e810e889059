"""Search over the clause index: what a query means, how clauses rank, how hits are shown, and
the index and clause store on disk. `bot.engine` orchestrates these; nothing here knows Slack."""
