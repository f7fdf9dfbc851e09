"""Two (or N) speakers in one channel: pyannote segmentation-3.0 + CAM++ embeddings + clustering.

pyannote's stock pipeline runs the segmentation model on heavily overlapping windows and embeds
every (window, speaker) pair, which is 1-2x realtime on 2 CPU cores. Here the model runs once over
non-overlapping 10 s windows in one batch, each local speaker's speech is cut into pieces of at
most 3 s, all clean pieces are embedded in one CAM++ batch, and the pieces are clustered globally.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callscore.models import registry
from callscore.audio.activity import HOP_S, clean_mask, runs
from callscore.audio.decode import SAMPLE_RATE

WINDOW_S = 10.0
MAX_PIECE_S = 3.0
MIN_EMBED_S = 0.5
REASSIGN_PASSES = 10


@dataclass
class Piece:
    window: int
    local: int
    start: int  # global segmentation frame
    end: int
    clean: np.ndarray  # global frame indices of this piece without overlapped speech
    cluster: int = -1


def local_activity(samples: np.ndarray) -> tuple[np.ndarray, float]:
    """Segmentation over consecutive windows -> [windows, frames, 3] speaker activity, frame step."""
    import torch
    from pyannote.audio.utils.powerset import Powerset

    model = registry.segmentation()
    window = int(WINDOW_S * SAMPLE_RATE)
    n_windows = max(1, int(np.ceil(len(samples) / window)))
    batch = np.zeros((n_windows, 1, window), dtype=np.float32)
    for w in range(n_windows):
        chunk = samples[w * window: (w + 1) * window]
        batch[w, 0, : len(chunk)] = chunk
    specs = model.specifications
    with torch.inference_mode():
        powerset = model(torch.from_numpy(batch))
        activity = Powerset(len(specs.classes), specs.powerset_max_classes).to_multilabel(powerset)
    activity = activity.numpy().astype(bool)
    return activity, WINDOW_S / activity.shape[1]


def cut_pieces(activity: np.ndarray) -> tuple[list[Piece], int]:
    n_windows, n_frames, n_local = activity.shape
    max_len = int(MAX_PIECE_S / (WINDOW_S / n_frames))
    overlapped = activity.sum(axis=2) > 1
    pieces = []
    for w in range(n_windows):
        for local in range(n_local):
            for start, end in runs(activity[w, :, local]):
                count = int(np.ceil((end - start) / max_len))
                bounds = np.linspace(start, end, count + 1).astype(int)
                for s, e in zip(bounds[:-1], bounds[1:]):
                    frames = np.arange(s, e)
                    clean = frames[~overlapped[w, frames]] + w * n_frames
                    pieces.append(Piece(w, local, s + w * n_frames, e + w * n_frames, clean))
    return pieces, n_frames


def embed(samples: np.ndarray, frame_sets: list[np.ndarray], frame_s: float) -> np.ndarray:
    """CAM++ embeddings of the audio under each frame set, batched (pieces repeated to equal length)."""
    import torch
    import torchaudio.compliance.kaldi as kaldi

    model = registry.speaker_embedding()
    hop = frame_s * SAMPLE_RATE
    feats = []
    for frames in frame_sets:
        audio = np.concatenate([samples[int(f * hop): int((f + 1) * hop)] for f in frames])
        fbank = kaldi.fbank(torch.from_numpy(audio).unsqueeze(0) * 32768, num_mel_bins=80,
                            sample_frequency=SAMPLE_RATE, dither=0.0)
        feats.append(fbank - fbank.mean(dim=0, keepdim=True))
    longest = max(f.shape[0] for f in feats)
    # Repeating a short piece keeps its statistics; zero padding would pull every embedding together.
    batch = torch.stack([f.repeat(int(np.ceil(longest / f.shape[0])), 1)[:longest] for f in feats])
    with torch.inference_mode():
        out = torch.cat([model(part) for part in batch.split(64)]).numpy()
    return out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-9)


def cluster(embeddings: np.ndarray, min_speakers: int, max_speakers: int) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    best, best_score = np.zeros(len(embeddings), dtype=int), -np.inf
    for k in range(min_speakers, min(max_speakers, len(embeddings)) + 1):
        if k == 1:
            labels, score = np.zeros(len(embeddings), dtype=int), 0.0
        else:
            labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(embeddings)
            labels = _reassign(embeddings, labels, k)
            score = silhouette_score(embeddings, labels, metric="cosine") if len(set(labels)) > 1 else -1
        if score > best_score or min_speakers == max_speakers:
            best, best_score = labels, score
    return best


def _reassign(embeddings: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Refine average-linkage clusters by nearest-centroid passes (k-means on the cosine sphere)."""
    for _ in range(REASSIGN_PASSES):
        centroids = np.stack([embeddings[labels == c].mean(axis=0) if (labels == c).any()
                              else np.zeros(embeddings.shape[1]) for c in range(k)])
        updated = np.argmax(embeddings @ centroids.T, axis=1)
        if (updated == labels).all():
            break
        labels = updated
    return labels


def diarize(samples: np.ndarray, min_speakers: int = 2, max_speakers: int = 2) -> dict[str, np.ndarray]:
    """Speaker label ('spk0', ...) -> boolean activity mask at HOP_S resolution over the call."""
    activity, frame_s = local_activity(samples)
    pieces, n_frames = cut_pieces(activity)
    n_hops = int(np.ceil(len(samples) / SAMPLE_RATE / HOP_S))
    if not pieces:
        return {}
    min_frames = int(MIN_EMBED_S / frame_s)
    embeddable = [p for p in pieces if len(p.clean) >= min_frames] or pieces
    frames = [p.clean if len(p.clean) >= min_frames else np.arange(p.start, p.end) for p in embeddable]
    embeddings = embed(samples, frames, frame_s)
    labels = cluster(embeddings, min_speakers, max_speakers)
    for piece, label in zip(embeddable, labels):
        piece.cluster = int(label)
    _label_short_pieces(pieces, embeddings, labels, samples, frame_s, min_frames, n_frames * activity.shape[0])

    masks = {f"spk{c}": np.zeros(n_hops, dtype=bool) for c in sorted({p.cluster for p in pieces})}
    for piece in pieces:
        start = int(piece.start * frame_s / HOP_S)
        end = min(n_hops, int(np.ceil(piece.end * frame_s / HOP_S)))
        masks[f"spk{piece.cluster}"][start:end] = True
    return {label: clean_mask(mask) for label, mask in masks.items()}


def _label_short_pieces(pieces, embeddings, labels, samples, frame_s, min_frames, total_frames) -> None:
    """Pieces too short to embed alone are embedded with the audio around them (at least
    MIN_EMBED_S) and join the nearest cluster centroid."""
    orphans = [p for p in pieces if p.cluster < 0]
    if not orphans:
        return
    centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
    spans = []
    for piece in orphans:
        centre = (piece.start + piece.end) // 2
        start = max(0, min(centre - min_frames // 2, total_frames - min_frames))
        spans.append(np.arange(start, start + min_frames))
    vectors = embed(samples, spans, frame_s)
    for piece, nearest in zip(orphans, np.argmax(vectors @ centroids.T, axis=1)):
        piece.cluster = int(nearest)
