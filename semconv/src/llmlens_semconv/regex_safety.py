"""A structural check that a regular expression cannot backtrack
catastrophically (Python's ``re`` is a backtracking engine).

Rules, checked on the parsed pattern:

- **bounded**: every quantifier has a finite maximum, except a quantifier of
  a single character set that is the last thing the pattern consumes (a
  greedy run that nothing after it can reject ends in success, so it is
  never retried). Bounded quantifiers bound the work per start position by a
  constant of the pattern, so a scan is linear in the input.
- **no ambiguous nesting**: a quantified group that repeats more than once
  must not be able to split one string two ways: no variable quantifier in
  it whose characters could also start what follows it (including the next
  iteration), no alternatives that start alike or that both match nothing
  (``(?:\\.[a-z]{1,63}){1,8}`` is fine: the dot ends each iteration;
  ``(?:[a-z]{1,63}){1,8}`` and ``(?:a?a){1,30}`` are not).
- **no overlapping neighbours**: two adjacent variable quantifiers whose
  characters overlap must have a small product of choices.

A hazard is reported as ``(severity, message)``; severity ``"exponential"``
means the pattern can take time exponential in the pattern's repetition and
must not be used; ``"quadratic"`` means time grows with the square of a run
of matching characters.
"""

from __future__ import annotations

from typing import Any

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_MAXREPEAT = _c.MAXREPEAT
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
if hasattr(_c, "POSSESSIVE_REPEAT"):
    _REPEATS.add(_c.POSSESSIVE_REPEAT)
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}

# characters probed when comparing character sets: Latin-1 is enough to tell
# the sets our patterns use apart
_ALPHABET = frozenset(chr(i) for i in range(256))
_CATEGORIES = {
    _c.CATEGORY_DIGIT: frozenset(c for c in _ALPHABET if c.isdigit() and c.isascii()),
    _c.CATEGORY_SPACE: frozenset(" \t\n\r\f\v"),
    _c.CATEGORY_WORD: frozenset(c for c in _ALPHABET if c.isalnum() or c == "_"),
}
_CATEGORIES[_c.CATEGORY_NOT_DIGIT] = _ALPHABET - _CATEGORIES[_c.CATEGORY_DIGIT]
_CATEGORIES[_c.CATEGORY_NOT_SPACE] = _ALPHABET - _CATEGORIES[_c.CATEGORY_SPACE]
_CATEGORIES[_c.CATEGORY_NOT_WORD] = _ALPHABET - _CATEGORIES[_c.CATEGORY_WORD]

MAX_OVERLAP_CHOICES = 64

Hazard = tuple[str, str]


def hazards(pattern: str, flags: int = 0) -> list[Hazard]:
    """Everything in ``pattern`` that could make a scan super-linear."""
    parsed = _sre_parse.parse(pattern, flags)
    ignore_case = bool(parsed.state.flags & _c.SRE_FLAG_IGNORECASE)
    checker = _Checker(ignore_case)
    items = list(parsed)
    checker.sequence(items, top_level=True)
    return checker.found


def is_linear(pattern: str, flags: int = 0) -> bool:
    return not hazards(pattern, flags)


class _Checker:
    def __init__(self, ignore_case: bool) -> None:
        self.ignore_case = ignore_case
        self.found: list[Hazard] = []

    # --- walking -----------------------------------------------------------------

    def sequence(self, items: list[Any], *, top_level: bool = False) -> None:
        last_consuming = _last_consuming_index(items) if top_level else -1
        for index, (op, av) in enumerate(items):
            if op in _REPEATS:
                _low, high, body = av
                body_items = list(body)
                if high == _MAXREPEAT and not (
                    index == last_consuming and _single_char(body_items)
                ):
                    self.found.append(("quadratic", "unbounded quantifier"))
                # one more iteration may follow each one: that is the follow set
                if high > 1 and self._ambiguous(body_items, self.first(body_items)):
                    self.found.append(
                        ("exponential", "repeated group that can split a string two ways"))
                self.sequence(body_items)
                self._check_neighbour(items, index)
            elif op == _c.SUBPATTERN:
                self.sequence(list(av[-1]))
            elif op == _c.BRANCH:
                for alternative in av[1]:
                    self.sequence(list(alternative))
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                self.sequence(list(av[1]))
            elif hasattr(_c, "ATOMIC_GROUP") and op == _c.ATOMIC_GROUP:
                self.sequence(list(av))

    def _check_neighbour(self, items: list[Any], index: int) -> None:
        _op, (low, high, body) = items[index]
        if high == low:
            return
        nxt = _next_consuming(items, index)
        if nxt is None:
            return
        next_op, next_av = nxt
        if next_op not in _REPEATS:
            return
        n_low, n_high, n_body = next_av
        if n_high == n_low:
            return
        if not (self.chars(list(body)) & self.first(list(n_body))):
            return
        if high == _MAXREPEAT or n_high == _MAXREPEAT:
            self.found.append(("quadratic", "adjacent overlapping unbounded quantifiers"))
        elif (high - low + 1) * (n_high - n_low + 1) > MAX_OVERLAP_CHOICES:
            self.found.append(("quadratic", "adjacent overlapping quantifiers with many choices"))

    # --- properties of a piece of pattern --------------------------------------------

    def _ambiguous(self, items: list[Any], follow: frozenset[str]) -> bool:
        """Can the items match one string in more than one way, when
        ``follow`` is what may come after them? A variable quantifier whose
        characters can also start what follows it is such a choice point."""
        for index, (op, av) in enumerate(items):
            rest = items[index + 1:]
            after = self.first(rest) | (follow if _nullable(rest) else frozenset())
            if op in _REPEATS:
                low, high, body = av
                body_items = list(body)
                if high != low and self.chars(body_items) & after:
                    return True
                inner_follow = after | (self.first(body_items) if high > 1 else frozenset())
                if self._ambiguous(body_items, inner_follow):
                    return True
            elif op == _c.SUBPATTERN:
                if self._ambiguous(list(av[-1]), after):
                    return True
            elif op == _c.BRANCH:
                alternatives = [list(alt) for alt in av[1]]
                if sum(_nullable(alt) for alt in alternatives) > 1:
                    return True
                seen: set[str] = set()
                for alt in alternatives:
                    # an alternative that can match nothing starts with what follows
                    chars = self.first(alt) | (after if _nullable(alt) else frozenset())
                    if seen & chars:
                        return True
                    seen |= chars
                if any(self._ambiguous(alt, after) for alt in alternatives):
                    return True
        return False

    def single(self, item: Any) -> frozenset[str] | None:
        """The characters of a one-character item, or None if it is not one."""
        op, av = item
        if op == _c.LITERAL:
            return self._case(frozenset(chr(av)))
        if op == _c.NOT_LITERAL:
            return _ALPHABET - self._case(frozenset(chr(av)))
        if op == _c.ANY:
            return _ALPHABET
        if op == _c.IN:
            return self._charset(av)
        return None

    def chars(self, items: list[Any]) -> frozenset[str]:
        """Every character the items can consume."""
        out: set[str] = set()
        for item in items:
            op, av = item
            one = self.single(item)
            if one is not None:
                out |= one
            elif op in _REPEATS:
                out |= self.chars(list(av[2]))
            elif op == _c.SUBPATTERN:
                out |= self.chars(list(av[-1]))
            elif op == _c.BRANCH:
                for alt in av[1]:
                    out |= self.chars(list(alt))
            elif op in (_c.GROUPREF, getattr(_c, "GROUPREF_EXISTS", None)):
                out |= _ALPHABET
        return frozenset(out)

    def first(self, items: list[Any]) -> frozenset[str]:
        """The characters a match of the items can start with."""
        out: set[str] = set()
        for item in items:
            op, av = item
            if op in _ZERO_WIDTH:
                continue
            one = self.single(item)
            if one is not None:
                return frozenset(out | one)
            if op in _REPEATS:
                out |= self.first(list(av[2]))
                if av[0] > 0:
                    return frozenset(out)
                continue
            if op == _c.SUBPATTERN:
                return frozenset(out | self.first(list(av[-1])))
            if op == _c.BRANCH:
                for alt in av[1]:
                    out |= self.first(list(alt))
                return frozenset(out)
            return _ALPHABET
        return frozenset(out)

    def _charset(self, members: list[Any]) -> frozenset[str]:
        out: set[str] = set()
        negate = False
        for op, av in members:
            if op == _c.NEGATE:
                negate = True
            elif op == _c.LITERAL:
                out.add(chr(av))
            elif op == _c.RANGE:
                low, high = av
                out.update(chr(i) for i in range(low, min(high, 255) + 1))
            elif op == _c.CATEGORY:
                out |= _CATEGORIES.get(av, _ALPHABET)
            else:
                out |= _ALPHABET
        chars = self._case(frozenset(out))
        return _ALPHABET - chars if negate else chars

    def _case(self, chars: frozenset[str]) -> frozenset[str]:
        if not self.ignore_case:
            return chars
        return chars | frozenset(c.swapcase() for c in chars if len(c.swapcase()) == 1)


def _nullable(items: list[Any]) -> bool:
    """Can the items match the empty string?"""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op in _REPEATS:
            if av[0] > 0 and not _nullable(list(av[2])):
                return False
        elif op == _c.SUBPATTERN:
            if not _nullable(list(av[-1])):
                return False
        elif op == _c.BRANCH:
            if not any(_nullable(list(alt)) for alt in av[1]):
                return False
        else:
            return False
    return True


def _single_char(items: list[Any]) -> bool:
    return len(items) == 1 and items[0][0] in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN)


def _last_consuming_index(items: list[Any]) -> int:
    for index in range(len(items) - 1, -1, -1):
        if items[index][0] not in _ZERO_WIDTH:
            return index
    return -1


def _next_consuming(items: list[Any], index: int) -> Any:
    for item in items[index + 1:]:
        if item[0] not in _ZERO_WIDTH:
            return item
    return None
