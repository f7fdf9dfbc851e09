"""Candidate V on language sets: every e5 vector from the fine-tuned torch e5. usage: evalv.py FT.pt VECDIR SETDIR..."""
import json, sys
from collections import defaultdict
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, "/work/scratch/e5torch")
import e5torch
from callscore.models import multilingual, scorecards
from callscore.pipeline.score import score_call
from callscore.settings import REPO_ROOT, Settings
torch.set_num_threads(2)
ft, vecdir = sys.argv[1], Path(sys.argv[2])
if ft != "base":
    model, tok = e5torch.build_model(e5torch.load_weights(e5torch.DEFAULT_PATH)), e5torch.Tokenizer(e5torch.DEFAULT_PATH)
    model.encoder.load_state_dict(torch.load(ft), strict=False)
    model.eval()
    def encode(texts):
        if not texts:
            return np.zeros((0, multilingual.DIMENSION), dtype=np.float32)
        v = e5torch.embed(model, tok, list(texts), is_query=True, batch_size=64).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)
    multilingual.encode = encode
    multilingual.vectors_file = lambda name, h, root=None: vecdir / f"e5-{name}-{h}.npy"
settings = Settings.from_env()
import os
TRANSLATED = os.environ.get("CARD") == "translated"
default_card = scorecards.load(REPO_ROOT / "scorecards" / "default.yaml")
tally = defaultdict(lambda: [0, 0])
for folder in map(Path, sys.argv[3:]):
    for lang in ("ms", "id", "zh", "ur", "uk"):
        card = scorecards.load(REPO_ROOT / "scorecards" / f"default.{lang}.yaml") if TRANSLATED else default_card
        labels = json.loads((folder / lang / "labels.json").read_text())
        for call, exp in sorted(labels.items()):
            checks = score_call(folder / lang / f"{call}.txt", settings, card, sidecar_language=lang)["checks"]
            for item, want in exp.items():
                if item in checks:
                    t = tally[(lang, item)]; t[0] += checks[item]["outcome"] == want; t[1] += 1
    print("scored", folder, {l: sum(v[0] for (ll, i), v in tally.items() if ll == l) for l in ("ms", "id", "zh", "ur", "uk")}, flush=True)
for lang in ("ms", "id", "zh", "ur", "uk"):
    rows = {i: v for (l, i), v in tally.items() if l == lang}
    print(lang, sum(v[0] for v in rows.values()), "of", sum(v[1] for v in rows.values()), " ".join(f"{i}:{v[0]}" for i, v in rows.items()), flush=True)
