"""Which services a customer message is about, ranked (FAQ entries: ``faq``).

The catalogue is turned once into a small index (cached per catalogue value, so
the worker rebuilds it only after the tenant edits a service):

1. Each service contributes *phrases* (its name without the parenthesised
   unit, each synonym) and a *body* (description, the unit). All words go
   through ``text.canonical``.
2. A word's weight is its inverse document frequency, so "makeup", shared by
   two services, counts less than "bridal"; digits and one- or two-letter
   words ("a5", "o") count a quarter.
3. A message word meets a catalogue word exactly (similarity 1), within the
   allowed typos (0.9 per edit: "hiarcut"), or written together with its
   neighbour ("hair cut" → "haircut", exactly only). A word the catalogue
   itself contains keeps only its longer or shorter forms ("delivery" also
   meets "deliver"), never its one-letter neighbours: "salon" is not "balon".
   Typo candidates are the catalogue words sharing a letter trigram with the
   message word (a trigram index), and the edit distance gives up as soon as
   it exceeds the budget, so a message never walks the whole vocabulary.
4. A service scores the best of: its best phrase's weighted coverage (how much
   of "bridal makeup" the message said), and 0.6 × how much of the message its
   body covers, where a word shared by many entries can never cover much (a
   description that mentions "massage" is a hint, not a name).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from uuid import UUID

from b2a.assistant import text as t
from b2a.assistant.shapes import CatalogView

TYPO_SIMILARITY = 0.9
"""What one edit costs: "hiarcut" still names the haircut, a little less surely."""

_UNIT = re.compile(r"\([^)]*\)")
_BODY_WEIGHT = 0.6


@dataclass(frozen=True)
class Match:
    """A service a message is about, and how surely (0 to 1)."""

    id: UUID
    score: float


@dataclass(frozen=True)
class Retrieval:
    """The ranked matches, and the message's words the catalogue does not know."""

    matches: list[Match]
    unknown: list[str]
    """Content words that met nothing: "nail extension" in a salon without them."""


@dataclass
class _Entry:
    id: UUID
    phrases: list[list[str]] = field(default_factory=list)
    body: set[str] = field(default_factory=set)

    def words(self) -> set[str]:
        return {w for p in self.phrases for w in p} | self.body


@dataclass
class _Index:
    entries: list[_Entry]
    postings: dict[str, set[int]]
    weights: dict[str, float]
    trigrams: dict[str, set[str]]
    rarest: float

    def weight(self, word: str) -> float:
        return self.weights.get(word, self.rarest) * _shape(word)

    def ceiling(self, word: str) -> float:
        return self.rarest * _shape(word)


def _shape(word: str) -> float:
    """Digits and one- or two-letter words ("a5", "o") name little on their own."""
    return 0.25 if len(word) <= 2 or not word.isalpha() else 1.0


def rank(catalog: CatalogView, text: str, *, limit: int = 5) -> list[Match]:
    """The services ``text`` is about, best first, each scored in [0, 1]."""
    return analyse(catalog, text, limit=limit).matches


def analyse(catalog: CatalogView, text: str, *, limit: int = 5) -> Retrieval:
    """``rank`` plus the content words that matched nothing in the catalogue."""
    index = _index(catalog)
    tokens = t.content_words(text)
    pairs = dict(zip(t.joined_pairs(tokens), zip(tokens, tokens[1:], strict=False), strict=True))
    similar = {word: _similar(index, word) for word in tokens}
    similar |= {pair: {pair: 1.0} for pair in pairs if pair in index.postings}
    similar |= {pair: {} for pair in pairs if pair not in similar}
    best_of: dict[str, float] = defaultdict(float)
    for found in similar.values():
        for term, sim in found.items():
            best_of[term] = max(best_of[term], sim)
    said = {w for w in tokens if similar[w]}
    said |= {w for pair, words in pairs.items() if similar[pair] for w in words}
    unknown = [w for w in tokens if w not in said and not w.isdigit()]
    candidates = {i for term in best_of for i in index.postings[term]}
    scored = [
        Match(entry.id, round(score, 4))
        for entry in (index.entries[i] for i in candidates)
        if (score := _score(index, entry, tokens, similar, best_of)) > 0
    ]
    scored.sort(key=lambda m: (-m.score, str(m.id)))
    return Retrieval(scored[:limit], unknown)


def _score(
    index: _Index,
    entry: _Entry,
    tokens: list[str],
    similar: dict[str, dict[str, float]],
    best_of: dict[str, float],
) -> float:
    phrase = max((_coverage(index, p, best_of) for p in entry.phrases), default=0.0)
    return max(phrase, _BODY_WEIGHT * _message_coverage(index, tokens, similar, entry.body))


def _coverage(index: _Index, phrase: list[str], best_of: dict[str, float]) -> float:
    """How much of ``phrase`` (by weight) the message said."""
    total = sum(index.weight(w) for w in phrase)
    said = sum(index.weight(w) * best_of.get(w, 0.0) for w in phrase)
    return said / total if total else 0.0


def _message_coverage(
    index: _Index, tokens: list[str], similar: dict[str, dict[str, float]], words: set[str]
) -> float:
    """How much of the message ``words`` cover, where a word shared by many entries says less.

    Each message word could at most contribute the weight of a word found in
    one entry only, so "makeup" in three descriptions is no proof of any one.
    """
    total = sum(index.ceiling(w) for w in tokens)
    said = sum(
        index.weight(w) * max((s for term, s in similar[w].items() if term in words), default=0.0)
        for w in tokens
    )
    return said / total if total else 0.0


def _similar(index: _Index, word: str) -> dict[str, float]:
    """Catalogue words that ``word`` may stand for, with their similarity."""
    found = {word: 1.0} if word in index.postings else {}
    budget = t.allowed_typos(word)
    if not budget:
        return found
    near: set[str] = set()
    for gram in _trigrams(word):
        near |= index.trigrams.get(gram, set())
    for term in near:
        if term == word or t.allowed_typos(term) == 0:
            continue
        if found and not (term.startswith(word) or word.startswith(term)):
            continue
        edits = t.distance(word, term, budget)
        if edits <= budget:
            found[term] = TYPO_SIMILARITY**edits
    return found


def _trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@lru_cache(maxsize=256)
def _index(catalog: CatalogView) -> _Index:
    entries = [_service_entry(s.id, s.name, s.synonyms, s.description) for s in catalog.services]
    postings: dict[str, set[int]] = defaultdict(set)
    for i, entry in enumerate(entries):
        for word in entry.words():
            postings[word].add(i)
    count = max(len(entries), 1)
    weights = {w: math.log(1 + count / len(ids)) for w, ids in postings.items()}
    trigrams: dict[str, set[str]] = defaultdict(set)
    for word in postings:
        for gram in _trigrams(word):
            trigrams[gram].add(word)
    return _Index(entries, dict(postings), weights, dict(trigrams), math.log(1 + count))


def _service_entry(id: UUID, name: str, synonyms: tuple[str, ...], description: str) -> _Entry:
    units = " ".join(_UNIT.findall(name))
    phrases = [t.content_words(p) for p in (_UNIT.sub(" ", name), *synonyms)]
    phrases = [p for p in phrases if p]
    phrases += [_joined(p) for p in phrases if len(p) > 1]
    body = set(t.content_words(f"{description} {units}"))
    return _Entry(id, phrases, body)


def _joined(phrase: list[str]) -> list[str]:
    """The phrase with its first two words as one ("t shirt printing" → "tshirt printing")."""
    return [t.canonical(phrase[0] + phrase[1]), *phrase[2:]]
