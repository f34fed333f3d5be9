"""A tiny transformers text classifier built locally: no download, random weights.

A two-layer BERT of hidden size 16 over a word-level tokenizer trained with the
``tokenizers`` library on the texts it will see.
"""

from __future__ import annotations

import numpy as np

WORDS = {
    "sport": ["ball", "goal", "match", "team", "score", "win", "coach", "league"],
    "tech": ["code", "chip", "data", "cloud", "robot", "phone", "model", "laptop"],
    "food": ["bread", "pasta", "soup", "cheese", "salad", "spice", "fruit", "cake"],
}
FILLER = ["the", "a", "of", "and", "it", "was", "very", "this"]


def make_texts(n: int, seed: int = 0, labels=("sport", "tech", "food")):
    """``n`` short texts and their topic, drawn from the word lists."""
    rng = np.random.default_rng(seed)
    topics = np.array(labels)[rng.integers(0, len(labels), n)]
    texts = [
        " ".join(rng.choice(WORDS[t], 3).tolist() + rng.choice(FILLER, 3).tolist())
        for t in topics
    ]
    return texts, topics


def make_tokenizer():
    """A word-level fast tokenizer trained on the word lists, with BERT's specials."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = [" ".join(words) for words in WORDS.values()] + [" ".join(FILLER)]
    tok.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=specials))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", 3)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )


def make_model(names, problem_type=None, seed=0):
    """A 2-layer, 16-wide BERT sequence classifier with ``id2label`` = ``names``."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={name: i for i, name in enumerate(names)},
        problem_type=problem_type,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertForSequenceClassification(config)
    return model.eval()
