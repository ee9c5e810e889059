"""Shared fixtures: the real seeds, settings pointed at temporary folders."""
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

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

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


def engine_for(settings, folder: Path, tmp_path: Path) -> PolicyEngine:
    return PolicyEngine.from_settings(dataclasses.replace(settings, corpus_dir=folder, cache_dir=tmp_path / "c"))
