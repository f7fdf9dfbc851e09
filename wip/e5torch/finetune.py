"""Candidate V: fine-tune e5-small's top 4 layers with the English judge's loss on the multilingual pool.
usage: finetune.py SEED OUT.pt"""
import random, sys, time
import numpy as np, torch
sys.path.insert(0, "/work/scratch/e5torch")
import e5torch
from callscore.models import judge, multilingual

torch.set_num_threads(2)
seed, out = int(sys.argv[1]), sys.argv[2]
config = judge.JudgeConfig(seed=seed)
W = e5torch.load_weights(e5torch.DEFAULT_PATH)
model, tok = e5torch.build_model(W), e5torch.Tokenizer(e5torch.DEFAULT_PATH)
enc = model.encoder
known = multilingual.pool()
examples = known.train
descriptions = judge.builtin_descriptions()
behaviours = list(descriptions)
texts = list(dict.fromkeys([ex.text for ex in examples] + [d for ds in descriptions.values() for d in ds]))
index = {t: i for i, t in enumerate(texts)}
print(len(examples), "examples", len(texts), "texts", len(behaviours), "behaviours", flush=True)
LAYERS, TRAIN = 12, config.trainable_layers

def ids_of(t):
    c = tok.content("query: " + t)[: config.max_tokens - 2]
    return [tok.bos] + c + [tok.eos]

t0 = time.time()
states = []
with torch.no_grad():
    order = sorted(range(len(texts)), key=lambda i: len(ids_of(texts[i])))
    buf = [None] * len(texts)
    for s in range(0, len(order), 64):
        chunk = order[s:s + 64]
        seqs = [ids_of(texts[i]) for i in chunk]
        L = max(map(len, seqs))
        ids = torch.full((len(seqs), L), 1, dtype=torch.long); mask = torch.zeros((len(seqs), L), dtype=torch.long)
        for r, q in enumerate(seqs):
            ids[r, :len(q)] = torch.tensor(q); mask[r, :len(q)] = 1
        pos = torch.arange(L).unsqueeze(0).expand(len(seqs), L) + 2
        hs = enc(input_ids=ids, attention_mask=mask, position_ids=pos, token_type_ids=torch.zeros_like(ids),
                 output_hidden_states=True).hidden_states[LAYERS - TRAIN]
        for r, i in enumerate(chunk):
            buf[i] = hs[r, : int(mask[r].sum())].clone()
    states = buf
print(f"lower states {time.time()-t0:.0f}s", flush=True)

rng = random.Random(seed); torch.manual_seed(seed)
for p in enc.parameters():
    p.requires_grad = False
top = enc.encoder.layer[-TRAIN:]
for p in top.parameters():
    p.requires_grad = True
top.train()
sentences_of = {b: [ex.text for ex in examples if b in ex.items] for b in behaviours}
scale = torch.nn.Parameter(torch.tensor(10.0)); bias = torch.nn.Parameter(torch.tensor(-5.0))
opt = torch.optim.AdamW(list(top.parameters()) + [scale, bias], lr=config.learning_rate)
pw = torch.tensor(config.positive_weight)
order = list(range(len(examples)))
for epoch in range(config.epochs):
    rng.shuffle(order)
    for start in range(0, len(order), config.batch_size):
        batch = [examples[i] for i in order[start:start + config.batch_size]]
        item_texts = [rng.choice(descriptions[b]) if rng.random() < config.description_share or not sentences_of[b]
                      else rng.choice(sentences_of[b]) for b in behaviours]
        v = judge._top_forward(top, [states[index[t]] for t in [ex.text for ex in batch] + item_texts])
        sv, iv = v[:len(batch)], v[len(batch):]
        logits = scale * sv @ iv.T + bias
        targets = torch.tensor([[float(b in ex.items) for b in behaviours] for ex in batch])
        kn = torch.tensor([[float(judge.labelled(ex, b)) for b in behaviours] for ex in batch])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, weight=kn, pos_weight=pw,
                                                                    reduction="sum") / kn.sum()
        opt.zero_grad(); loss.backward(); opt.step()
        if start % (config.batch_size * 50) == 0:
            print(f"epoch {epoch} {start}/{len(order)} loss {float(loss):.3f} {time.time()-t0:.0f}s", flush=True)
top.eval()
torch.save({k: v for k, v in enc.state_dict().items() if k.startswith("encoder.layer.") and int(k.split(".")[2]) >= LAYERS - TRAIN}, out)
print("saved", out, f"{time.time()-t0:.0f}s", flush=True)
