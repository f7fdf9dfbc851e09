import json
from pathlib import Path

import pytest

from callscore.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return Settings(cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def stereo_record(settings):
    from callscore.pipeline.transcribe import transcribe_call

    return transcribe_call(FIXTURES / "stereo_call.ogg", settings)


@pytest.fixture(scope="session")
def mono_record(settings):
    from callscore.pipeline.transcribe import transcribe_call

    return transcribe_call(FIXTURES / "mono_call.ogg", settings)


def overlap(a_start, a_end, b_start, b_end) -> float:
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))
