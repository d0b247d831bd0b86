"""Text for integrity checks: normalising, winnowing fingerprints, containment (pure functions).

- Words are Unicode word runs after NFKC and case folding, so any script works.
- Fingerprints follow winnowing (Schleimer, Wilkerson & Aiken, 2003): hash every run of K words,
  then in each window of W consecutive hashes keep the smallest (the rightmost on ties). Any
  passage of at least W + K - 1 words shared by two texts shares at least one fingerprint, and
  texts that share nothing long share few.
- Candidates found by fingerprints are verified by containment of word 3-grams in either direction
  (max(|A∩B|/|A|, |A∩B|/|B|)): copying is often partial, so Jaccard would under-score it.
"""

import hashlib
import re
import unicodedata

K = 5  # words per fingerprinted n-gram
W = 8  # window of the winnowing
MIN_WORDS = K + W - 1  # shorter texts get no fingerprints: they are compared by exact hash only
VERIFY_N = 3  # words per n-gram when verifying a candidate
MAX_WORDS = 50_000  # enormous documents: the first 50,000 words are checked
MAX_PRINTS = 2_000  # fingerprints kept per submission: the smallest, so copies keep the same ones

WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return WORD.findall(text)[:MAX_WORDS]


def normalised_digest(text: str) -> str:
    """SHA-256 of the text's words: the same for copies that differ only in case, spacing,
    punctuation or line breaks. Empty for text with no words."""
    found = words(text)
    return hashlib.sha256(" ".join(found).encode()).hexdigest() if found else ""


def _hash64(gram: tuple[str, ...]) -> int:
    """A signed 64-bit hash (fits a database bigint)."""
    digest = hashlib.blake2b(" ".join(gram).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def fingerprints(tokens: list[str], *, k: int = K, window: int = W) -> set[int]:
    """The winnowed fingerprints of a text's words (empty below MIN_WORDS words)."""
    hashes = [_hash64(g) for g in ngrams(tokens, k)]
    if len(hashes) < window:
        return set()
    chosen: set[int] = set()
    for start in range(len(hashes) - window + 1):
        chosen.add(min(hashes[start : start + window]))
    return chosen


def containment(a: list[str], b: list[str], *, n: int = VERIFY_N, ignore=frozenset()) -> float:
    """How much of either text's word n-grams the other contains (0 to 1), leaving out the
    n-grams in `ignore` (the step statement's)."""
    grams_a, grams_b = set(ngrams(a, n)) - ignore, set(ngrams(b, n)) - ignore
    if not grams_a or not grams_b:
        return 0.0
    shared = len(grams_a & grams_b)
    return max(shared / len(grams_a), shared / len(grams_b))


def matched_spans(a_text: str, b_tokens: list[str], *, n: int = VERIFY_N, ignore=frozenset()):
    """Pieces of `a_text` (as (text, matched) pairs, in order) with the words that belong to an
    n-gram also in `b_tokens` marked, for showing a teacher the matching passages."""
    grams_b = set(ngrams(b_tokens, n)) - set(ignore)
    pieces = list(WORD.finditer(a_text or ""))
    tokens = [unicodedata.normalize("NFKC", m.group()).casefold() for m in pieces]
    marked = [False] * len(tokens)
    for i, gram in enumerate(ngrams(tokens, n)):
        if gram in grams_b:
            for j in range(i, i + n):
                marked[j] = True
    out, position = [], 0
    for match, is_marked in zip(pieces, marked, strict=True):
        if match.start() > position:
            out.append((a_text[position : match.start()], False))
        out.append((match.group(), is_marked))
        position = match.end()
    if position < len(a_text or ""):
        out.append((a_text[position:], False))
    return out
