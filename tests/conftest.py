"""Shared fixtures: the real seeds, settings pointed at temporary folders, a served Slack app."""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.corpus.reader import load_corpus
from bot.engine import PolicyEngine
from bot.settings import load_settings
from paths import ROOT, SEEDS

# The property tests' budget: a fixed number of examples, each with a deadline, so the whole
# property suite takes seconds. `HYPOTHESIS_PROFILE=long` tries twenty times as many (a soak
# before a release). A failure prints its example, and the next run replays it first.
_SHARED_FIXTURES = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
hypothesis_settings.register_profile("policybot", max_examples=50, deadline=3000,
                                     suppress_health_check=_SHARED_FIXTURES)
hypothesis_settings.register_profile("long", max_examples=1000, deadline=None, suppress_health_check=_SHARED_FIXTURES)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "policybot"))


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    """Project settings with the index cache in a temporary folder."""
    base = load_settings(ROOT / "config" / "settings.yaml", env={})
    return dataclasses.replace(base, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def engine(settings):
    """One engine over the bundled seeds, shared by read-only tests."""
    return PolicyEngine.from_settings(settings)


@pytest.fixture(scope="session")
def documents():
    """The seeds as the parser reads them, clauses included, by id."""
    return {d.id: d for d in load_corpus(SEEDS).documents}


@pytest.fixture
def corpus_copy(tmp_path):
    """A writable copy of the seeds (documents and sidecars)."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="module")
def bot(settings, engine, tmp_path_factory):
    """The Bolt app served over HTTP with Slack faked, one per test module; a module that needs
    other runtime options (admins, limits, a public URL) overrides this fixture."""
    from slack_harness import running_bot  # Bolt is slow to import; only the Slack tests pay

    with running_bot(settings, tmp_path_factory.mktemp("db"), engine=engine) as bot:
        yield bot


@pytest.fixture
def running(bot):
    """The module's app with the fake Slack forgotten; settled after, so that nothing of one
    test is still running when the next starts, and checked: nothing it sent broke a Slack limit."""
    bot.fake.reset()
    yield bot
    bot.settle()
    assert bot.fake.problems() == []


def engine_for(settings, folder: Path, tmp_path: Path) -> PolicyEngine:
    return PolicyEngine.from_settings(dataclasses.replace(settings, corpus_dir=folder, cache_dir=tmp_path / "c"))
