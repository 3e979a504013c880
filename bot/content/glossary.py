"""Glossary search: exact look-up, autocomplete and "did you mean", fast enough for every keystroke.

Autocomplete runs on the event loop for each character a member types, so a query must cost
well under a millisecond even with 10,000 concepts. Building the index must also be cheap,
because it happens at every start-up and every content reload. Hence:

- names (terms, aliases, keys) are normalised once (case, punctuation, hyphens and underscores
  folded) and kept in sorted arrays, so a prefix is two ``bisect`` calls away;
- every word-start suffix of a name ("chain dependence", "dependence") sits in a second sorted
  array, so "chain" or "dep" finds "Supply Chain Dependence" the same way;
- typo tolerance uses a trigram index, built by :meth:`Glossary.prepare` (``load_library`` calls
  it in its worker thread; otherwise the first query that needs it builds it), which narrows
  30,000 names to a few dozen candidates before a real edit-distance scorer (rapidfuzz) ranks
  them.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from operator import itemgetter

from rapidfuzz import fuzz, process

from bot.content.models import Concept

__all__ = ["Glossary", "Rank", "complete_in", "normalise", "normalise_many", "suggest_in"]

# How good an autocomplete answer is, comparable across glossaries: the tier (0 exact, 1 name
# prefix, 2 word prefix, 3 typo), then the matched name (tiers 1 and 2), then minus the score.
Rank = tuple[int, str, float]

_DROP = re.compile(r"['’`´.]+")  # apostrophes and dots vanish: "Moore's law" = "moores law", "U.S." = "us"
_SEPARATORS = re.compile(r"[\W_]+")  # any other punctuation, hyphen, underscore or space is one space

# Autocomplete accepts a typo match at this similarity (0..100) or better; "did you mean" is laxer,
# because it only runs after a miss and a loose suggestion beats none.
_COMPLETE_CUTOFF = 72.0
_SUGGEST_CUTOFF = 60.0
# A query word's candidates come from its rarest trigrams: this many at most, holding at most
# this many words in all; the best few similar words are kept.
_RAREST_GRAMS = 6
_GRAM_BUDGET = 400
_WORD_CUTOFF = 60.0
_WORDS_PER_QUERY_WORD = 8
# A query is cut to MAX_QUERY characters, and only its first four words look for typo matches
# (a name sharing a close word with them is then scored against the whole query): a pasted page
# must cost a keystroke no more than a name does. Each query word is one trigram look-up and one
# rapidfuzz pass; a 6,000-character query cost 80-170 ms uncut.
MAX_QUERY = 100
_MAX_QUERY_WORDS = 4


def normalise(text: str) -> str:
    """The comparable form of a name or query: casefolded, punctuation-free, single-spaced."""
    return _SEPARATORS.sub(" ", _DROP.sub("", text.casefold())).strip()


_WORD_SUFFIX = re.compile(" (?=([^\x00]*))")  # what follows each space, up to the next NUL
_DROPPED = str.maketrans("", "", "'’`´.")  # what _DROP deletes, as a translation table


def normalise_many(texts: list[str]) -> list[str]:
    """``[normalise(t) for t in texts]``, faster for the tens of thousands of names of a load.

    The texts are casefolded and stripped of dropped characters in one joined string (both map
    each character on its own), hyphens become spaces, and a part that is then already plain
    words and single spaces is kept as it is; only the rest pay for the regular expression. A
    text holding the joining NUL itself (only possible through a YAML escape) takes the one-by-one
    path.
    """
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1 or not texts:
        return [normalise(t) for t in texts]
    parts = joined.casefold().translate(_DROPPED).replace("-", " ").split("\x00")
    sub = _SEPARATORS.sub
    return [
        part
        if part.isalnum()
        or (part.replace(" ", "").isalnum() and "  " not in part and part[0] != " " and part[-1] != " ")
        else sub(" ", part).strip()
        for part in parts
    ]


def _trigrams(name: str) -> set[str]:
    padded = f" {name} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class Glossary:
    """An immutable, searchable set of concepts.

    Every name of a concept (its key, term and aliases) is searchable. Names are assumed unique
    across concepts (the loader reports duplicates); if two concepts share one anyway, the first
    in term order wins exact look-ups and both still appear in completions.
    """

    def __init__(self, concepts: Iterable[Concept]) -> None:
        # Built with comprehensions, one batch normalisation and index sorts rather than a
        # Python loop per name: this runs at every load, for 40,000 names at 10,000 concepts.
        self.concepts: tuple[Concept, ...] = tuple(sorted(concepts, key=lambda c: (c.term.casefold(), c.key)))
        ordered = self.concepts
        self._by_key: dict[str, Concept] = {c.key: c for c in ordered}

        # Every name of every concept, normalised, in concept order; a name repeated within one
        # concept (the key is usually the term, hyphenated) counts once, an empty one not at all.
        raw = [name for c in ordered for name in (c.term, c.key, *c.aliases)]
        owners = list(
            chain.from_iterable(map(repeat, range(len(ordered)), [2 + len(c.aliases) for c in ordered]))
        )
        normalised = normalise_many(raw)
        # The first concept in term order wins a name: later ones are written first, then overwritten.
        first = dict(zip(reversed(normalised), reversed(owners), strict=True))
        last = dict(zip(normalised, owners, strict=True))
        first.pop("", None)
        last.pop("", None)
        if first == last:  # every name belongs to one concept, as the loader makes sure
            texts, ids = list(last), list(last.values())
        else:
            pairs = [pair for pair in dict.fromkeys(zip(normalised, owners, strict=True)) if pair[0]]
            texts, ids = [name for name, _ in pairs], [index for _, index in pairs]
        self._name_texts = texts
        self._name_owners = ids
        self._exact: dict[str, int] = first
        self._compact: dict[str, int] = dict(
            zip([t.replace(" ", "") for t in reversed(texts)], reversed(ids), strict=True)
        )

        by_name = sorted(range(len(texts)), key=texts.__getitem__)  # stable: ties keep concept order
        self._prefix_keys = [texts[p] for p in by_name]
        self._prefix_ids = [ids[p] for p in by_name]

        # Every word-start suffix of a multi-word name ("chain dependence", "dependence"), found
        # in one pass over the names joined by NUL, which no normalised name holds; sorted by
        # text alone, stably, so equal suffixes keep concept order.
        suffixes = _WORD_SUFFIX.findall("\x00".join(texts))
        suffix_ids = list(chain.from_iterable(map(repeat, ids, map(str.count, texts, repeat(" ")))))
        by_suffix = sorted(range(len(suffixes)), key=suffixes.__getitem__)
        self._suffix_keys = [suffixes[p] for p in by_suffix]
        self._suffix_ids = [suffix_ids[p] for p in by_suffix]

        # The typo index, built by prepare(): vocabulary words, the names holding each, and
        # trigram -> ids of the words containing it.
        self._words: list[str] = []
        self._word_names: list[list[int]] = []
        self._word_grams: dict[str, list[int]] | None = None

    # -- plain look-ups ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.concepts)

    def get(self, key: str) -> Concept | None:
        """The concept with exactly this key (what autocomplete sends back as the choice value)."""
        return self._by_key.get(key)

    def tags(self) -> list[str]:
        """Every tag in use, once, alphabetically (case-insensitive)."""
        seen: dict[str, str] = {}
        for concept in self.concepts:
            for tag in concept.tags:
                seen.setdefault(tag.casefold(), tag)
        return [seen[k] for k in sorted(seen)]

    def with_tag(self, tag: str) -> tuple[Concept, ...]:
        """The concepts carrying ``tag`` (any case), in term order."""
        wanted = tag.strip().casefold()
        return tuple(c for c in self.concepts if any(t.casefold() == wanted for t in c.tags))

    def find(self, query: str) -> Concept | None:
        """The concept one of whose names is ``query``, ignoring case, spacing, hyphens and punctuation."""
        name = normalise(query)
        if not name:
            return None
        index = self._exact.get(name)
        if index is None:
            index = self._compact.get(name.replace(" ", ""))
        return None if index is None else self.concepts[index]

    # -- autocomplete -----------------------------------------------------------------------

    def complete(self, query: str, limit: int = 25) -> list[Concept]:
        """Choices for an autocomplete box, best first, at most ``limit`` (and never more than 25).

        Tiers, in order: the exact name; names starting with the query; names with a word starting
        with the query; then, if room is left, names within a typo or two of it.
        """
        return complete_in((self,), query, limit)

    def suggest(self, query: str, limit: int = 5) -> list[Concept]:
        """ "Did you mean": up to ``limit`` (at most 5) concepts whose names are close to ``query``."""
        return suggest_in((self,), query, limit)

    def ranked_completions(self, q: str, limit: int, *, typos: bool = True) -> list[tuple[Rank, Concept]]:
        """``complete``'s answer for an already normalised ``q`` and a ``limit`` of 1 to 25, each
        with its rank: ranks order the answers of several glossaries as one (``complete_in``).
        Without ``typos``, only the exact name and the prefix tiers (no typo search)."""
        if not q:
            return [((0, f"{c.term.casefold()}\x00{c.key}", 0.0), c) for c in self.concepts[:limit]]
        picked: list[tuple[Rank, Concept]] = []
        seen: set[int] = set()

        def take(index: int, rank: Rank) -> bool:
            if index not in seen:
                seen.add(index)
                picked.append((rank, self.concepts[index]))
            return len(picked) >= limit

        exact = self._exact.get(q)
        if exact is None:
            exact = self._compact.get(q.replace(" ", ""))
        if exact is not None and take(exact, (0, "", 0.0)):
            return picked
        for tier, keys, ids in (
            (1, self._prefix_keys, self._prefix_ids),
            (2, self._suffix_keys, self._suffix_ids),
        ):
            for name, index in self._prefixed(keys, ids, q):
                if take(index, (tier, name, 0.0)):
                    return picked
        if typos and len(q) >= 3:
            for index, score in self._fuzzy(q, _COMPLETE_CUTOFF, prefix=True):
                if take(index, (3, "", -score)):
                    break
        return picked

    def similar(self, q: str, limit: int) -> list[tuple[float, Concept]]:
        """Up to ``limit`` concepts whose names are close to the already normalised ``q`` (the
        first step of "did you mean"), with their similarity (0..100), best first."""
        return [
            (score, self.concepts[index])
            for index, score in self._fuzzy(q, _SUGGEST_CUTOFF, prefix=False)[:limit]
        ]

    def prepare(self) -> None:
        """Build the typo index now rather than on the first query that needs it.

        It is cheap (tens of milliseconds for 10,000 concepts) but not free, so ``load_library``
        runs it in the worker thread that loads the content: no keystroke pays for it on the
        event loop.
        """
        if self._word_grams is not None:
            return
        word_ids: dict[str, int] = {}
        word_names: list[list[int]] = []
        for position, name in enumerate(self._name_texts):
            for word in set(name.split()) if " " in name else (name,):
                wid = word_ids.get(word)
                if wid is None:
                    word_ids[word] = len(word_names)
                    word_names.append([position])
                else:
                    word_names[wid].append(position)
        grams: dict[str, list[int]] = {}
        for word, wid in word_ids.items():
            for gram in _trigrams(word):
                bucket = grams.get(gram)
                if bucket is None:
                    grams[gram] = [wid]
                else:
                    bucket.append(wid)
        self._words = list(word_ids)
        self._word_names = word_names
        self._word_grams = grams

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _prefixed(keys: list[str], ids: list[int], prefix: str) -> Iterable[tuple[str, int]]:
        """The names starting with ``prefix`` and their concept indices, in name order (lazily)."""
        position = bisect_left(keys, prefix)
        end = len(keys)
        while position < end and keys[position].startswith(prefix):
            yield keys[position], ids[position]
            position += 1

    def _similar_words(self, word: str, *, partial: bool) -> list[int]:
        """Ids of the vocabulary words within a typo or two of ``word`` (or of its start, if ``partial``).

        A word with e edits keeps all but at most 3e of its trigrams, so the target word is in
        one of the rarest few trigram postings; only their union is scored, by rapidfuzz in C.
        """
        grams = self._word_grams
        assert grams is not None
        postings = sorted((p for p in map(grams.get, _trigrams(word)) if p), key=len)
        if not postings:
            return []
        chosen: list[list[int]] = []
        total = 0
        for posting in postings[:_RAREST_GRAMS]:
            if chosen and total + len(posting) > _GRAM_BUDGET:
                break
            chosen.append(posting)
            total += len(posting)
        ids = list(set().union(*chosen))
        words = self._words
        texts = [words[i] for i in ids]
        scores = dict.fromkeys(range(len(ids)), 0.0)
        for _text, score, at in process.extract(
            word, texts, scorer=fuzz.ratio, score_cutoff=_WORD_CUTOFF, limit=None
        ):
            scores[at] = score
        if partial:
            heads = [t[: len(word) + 1] for t in texts]
            for _text, score, at in process.extract(
                word, heads, scorer=fuzz.ratio, score_cutoff=_WORD_CUTOFF, limit=None
            ):
                scores[at] = max(scores[at], score * 0.98)
        best = heapq.nlargest(_WORDS_PER_QUERY_WORD, scores.items(), key=itemgetter(1))
        return [ids[at] for at, score in best if score > 0]

    def _fuzzy(self, q: str, cutoff: float, *, prefix: bool) -> list[tuple[int, float]]:
        """(concept index, score) of names similar to ``q``, best first, each concept once.

        Candidate names are those containing a word close to one of the query's words; only they
        are scored against the whole query. With ``prefix``, a name also scores by how well its
        start, or the start of one of its words, matches the query, so a half-typed, misspelt
        "suply ch" still finds "Supply Chain Dependence" and "dependnce" finds it too.
        """
        self.prepare()
        words = q.split()[:_MAX_QUERY_WORDS]
        last = len(words) - 1
        candidates: set[int] = set()
        word_names = self._word_names
        for i, word in enumerate(words):
            if len(word) >= 3:
                for wid in self._similar_words(word, partial=prefix and i == last):
                    candidates.update(word_names[wid])
        if not candidates:
            return []
        names = self._name_texts
        name_owners = self._name_owners
        width = len(q) + 1  # one spare character lets a dropped letter still line up
        texts: list[str] = []
        owners: list[int] = []
        weights: list[float] = []
        for position in candidates:
            name = names[position]
            index = name_owners[position]
            texts.append(name)
            owners.append(index)
            weights.append(1.0)
            if prefix and len(name) > width - 1:
                start = 0
                weight = 0.98  # a whole-name match beats an equal prefix match
                while start != -1:
                    texts.append(name[start : start + width])
                    owners.append(index)
                    weights.append(weight)
                    weight = 0.95  # and the name's own start beats a later word's
                    start = name.find(" ", start)
                    if start != -1:
                        start += 1
        scored: dict[int, float] = {}
        for _text, raw, at in process.extract(q, texts, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None):
            score = raw * weights[at]
            index = owners[at]
            if score >= cutoff and score > scored.get(index, -1.0):
                scored[index] = score
        return sorted(scored.items(), key=lambda item: (-item[1], item[0]))


# -- searching several glossaries as one ------------------------------------------------------


def complete_in(layers: Sequence[Glossary], query: str, limit: int = 25) -> list[Concept]:
    """``Glossary.complete`` over several glossaries as if they were one (a server's glossary is
    the shared one plus its own): each answers with ranks, and the best ``limit`` win.

    Ties keep the layers' order; a key answered by an earlier layer hides the same key later.
    """
    limit = max(0, min(limit, 25))
    if limit == 0:
        return []
    q = normalise(query[:MAX_QUERY])
    if len(layers) == 1:
        return [concept for _rank, concept in layers[0].ranked_completions(q, limit)]
    # Typos are searched only when the other tiers of all layers together leave room, as one
    # glossary does: a prefix that fills the answer from the shared layer costs no typo search.
    picked = _merged(layers, q, limit, typos=False)
    if len(picked) < limit and len(q) >= 3:
        picked = _merged(layers, q, limit, typos=True)
    return picked


def _merged(layers: Sequence[Glossary], q: str, limit: int, *, typos: bool) -> list[Concept]:
    ranked = [answer for layer in layers for answer in layer.ranked_completions(q, limit, typos=typos)]
    ranked.sort(key=itemgetter(0))  # stable: equal ranks keep the layers' order
    return _first_of_each_key((concept for _rank, concept in ranked), limit)


def suggest_in(layers: Sequence[Glossary], query: str, limit: int = 5) -> list[Concept]:
    """``Glossary.suggest`` over several glossaries as one: the closest names of all of them,
    then, when fewer than ``limit`` are close, names the query starts or half-types."""
    limit = max(0, min(limit, 5))
    q = normalise(query[:MAX_QUERY])
    if not q or limit == 0:
        return []
    close = [answer for layer in layers for answer in layer.similar(q, limit)]
    if len(layers) > 1:
        close.sort(key=lambda answer: -answer[0])  # stable: equal scores keep the layers' order
    picked = _first_of_each_key((concept for _score, concept in close), limit)
    if len(picked) < limit and len(q) >= 3:
        # Nothing close as a whole name: a name the query starts, or half-types, will do.
        picked = _first_of_each_key(chain(picked, complete_in(layers, q, limit)), limit)
    return picked


def _first_of_each_key(concepts: Iterable[Concept], limit: int) -> list[Concept]:
    picked: list[Concept] = []
    keys: set[str] = set()
    for concept in concepts:
        if concept.key not in keys:
            keys.add(concept.key)
            picked.append(concept)
            if len(picked) == limit:
                break
    return picked
