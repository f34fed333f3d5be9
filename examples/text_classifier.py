"""A frozen transformers text classifier: its own label names, thresholds tuned on
validation texts, and a labelled report.

A Hugging Face sequence classifier carries its label names (``config.id2label``, in
output order) and its head kind (``config.problem_type``).
``FrozenEstimator(TransformersClassifier(model, tokenizer))`` inside
``ProbabilisticLabelClassifier`` therefore needs neither ``classes=`` nor
``problem=``: ``fit`` on validation texts only tunes the thresholds (the weights do
not move), and ``predict`` returns the model's own names, as its pipelines do.

To run without downloads, the "pre-trained" model here is a tiny BERT built from a
config and trained for a few seconds on synthetic support tickets, with a word-level
tokenizer trained locally (``tokenizers``). With a real model, replace ``pretrain()``
by ``AutoModelForSequenceClassification.from_pretrained(name)`` and
``AutoTokenizer.from_pretrained(name)``.

The common mistake shown at the end: decoding the logits by hand with
``argmax`` and a names list in the wrong order (here: sorted) -- every label is
shifted, silently.
"""

import copy

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    PreTrainedTokenizerFast,
)

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import TransformersClassifier

# Output order of the model (what its training script used): "refund" is rare.
TOPICS = ["login", "billing", "refund"]
SHARE = [0.55, 0.35, 0.10]
WORDS = {  # the words each topic draws from, space-separated
    "login": "password account locked reset sign code access email",
    "billing": "invoice charge card payment plan price monthly tax",
    "refund": "refund money back return cancel order charge payment",
}
FILLER = "please help my the i cannot with today thanks again"

rng = np.random.default_rng(0)


def tickets(n):
    """``n`` short synthetic tickets and their topic (refund shares billing words)."""
    topics = rng.choice(TOPICS, size=n, p=SHARE)
    texts = [
        " ".join(
            rng.choice(WORDS[t].split(), 2).tolist()
            + rng.choice(FILLER.split(), 4).tolist()
        )
        for t in topics
    ]
    return texts, topics


def make_tokenizer():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = [*WORDS.values(), FILLER]
    tok.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=specials))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]"
    )


def pretrain(tokenizer, texts, topics):
    """'Elsewhere': a plain fine-tuning loop on integer codes; names in the config."""
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=16,
        num_labels=len(TOPICS),
        id2label=dict(enumerate(TOPICS)),
        label2id={t: i for i, t in enumerate(TOPICS)},
        problem_type="single_label_classification",
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    codes = torch.tensor([TOPICS.index(t) for t in topics])
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(4):
        for start in range(0, len(texts), 32):
            batch = tokenizer(
                texts[start : start + 32], padding=True, return_tensors="pt"
            )
            loss = model(**batch, labels=codes[start : start + 32]).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


tokenizer = make_tokenizer()
train_texts, train_topics = tickets(400)
model = pretrain(tokenizer, train_texts, train_topics)
weights_before = copy.deepcopy(model.state_dict())
print(f"model labels (config.id2label): {model.config.id2label}")

# Here: validation texts with their topics as names; no classes=, no problem=.
val_texts, val_topics = tickets(300)
test_texts, test_topics = tickets(300)
adapter = TransformersClassifier(model, tokenizer, batch_size=64)
plain = ProbabilisticLabelClassifier(FrozenEstimator(adapter)).fit(
    val_texts, val_topics
)
tuned = ProbabilisticLabelClassifier(
    FrozenEstimator(adapter), threshold="auto", scoring="f1", average="macro"
).fit(val_texts, val_topics)
print(
    f"classes_ (from the model): {tuned.classes_.tolist()}, problem_: {tuned.problem_}"
)
print(f"tuned thresholds (ratios per class): {np.round(tuned.thresholds_, 3).tolist()}")
print(f"predict(test[:3]) = {tuned.predict(test_texts[:3]).tolist()}")

print("\nheld-out report, argmax (thresholds 0.5):")
print(plain.classification_report(test_texts, test_topics, digits=3, zero_division=0))
print("held-out report, thresholds tuned on the validation texts:")
print(tuned.classification_report(test_texts, test_topics, digits=3))

unchanged = all(
    torch.equal(weights_before[k], v) for k, v in model.state_dict().items()
)
print(f"weights unchanged by fit: {unchanged}")

# The mistake: argmax by hand with the names sorted instead of in output order.
with torch.no_grad():
    batch = tokenizer(test_texts, padding=True, return_tensors="pt")
    logits = model(**batch).logits.numpy()
by_hand_wrong = np.array(sorted(TOPICS))[logits.argmax(axis=1)]
by_hand_right = np.array(TOPICS)[logits.argmax(axis=1)]
wrong = np.mean(by_hand_wrong == test_topics)
right = np.mean(by_hand_right == test_topics)
print(f"hand argmax with sorted names: accuracy {wrong:.3f}; output order: {right:.3f}")

# The claims above, checked.
assert unchanged, "fit must not train a frozen model"
assert tuned.classes_.tolist() == TOPICS
assert np.array_equal(plain.predict(test_texts), by_hand_right)
assert plain.score(test_texts, test_topics) > 0.8
assert wrong < plain.score(test_texts, test_topics)
