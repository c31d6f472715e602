"""The model's own word-piece tokenizer, read from the verified tokenizer.json.

tokenizer.json as shipped pads every input to 128 pieces (fine for batches, wasted work
for one chat message) and truncates at 128; sentence-transformers runs this model
unpadded up to 256 pieces, so that is what we set.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer

from bot.encoder.artifacts import MAX_SEQ_LENGTH


def load_tokenizer(path: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    return tokenizer
