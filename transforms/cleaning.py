"""Body cleaning: boilerplate lines out, hard wraps rejoined, repeated paragraphs dropped.

Patterns live in a data file (transforms/data/boilerplate_patterns.txt) so that people who
know a site's junk can add to it without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from transforms.metadata.dateline import parse_dateline

# Runs of spacing become one space; a lone plain space already is one, so it is not matched.
_SPACES = re.compile(
    r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]"
)
_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_SENTENCE_END = tuple('.!?:;"”’\')')
_WRAP_MAX_WIDTH = 100          # lines longer than this are never hard-wrap artefacts
_WRAPPED_SHARE = 0.55          # a wrapped line fills at least this share of the wrap width
_MAX_BOILERPLATE = 400         # longer lines are prose, whatever they start with
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_GROUP_REF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # backreferences, conditionals
_GATES: dict[int, tuple[tuple, re.Pattern[str] | None]] = {}


@dataclass(frozen=True)
class BoilerplateRule:
    name: str
    pattern: re.Pattern[str]


@dataclass
class CleanedText:
    paragraphs: list[str]
    n_repeated_paragraphs: int = 0
    n_boilerplate_lines: int = 0
    removed_by_rule: dict[str, int] = field(default_factory=dict)
    captured: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=8)
def load_boilerplate_rules(path: str) -> tuple[BoilerplateRule, ...]:
    """Parse the pattern file once per process; a bad line is an error naming the line."""
    rules = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, regex = line.partition(":")
        if not sep or not name.strip() or not regex.strip():
            raise ValueError(f"{path}:{line_no}: expected 'name: regex', got {line!r}")
        try:
            compiled = re.compile(regex.strip(), re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{path}:{line_no}: bad regex: {exc}") from exc
        rules.append(BoilerplateRule(name.strip(), compiled))
    return tuple(rules)


def _any_rule(rules: tuple[BoilerplateRule, ...]) -> re.Pattern[str] | None:
    """All rules as one alternation: most lines match none, and one regex call instead of
    one per rule says so. None if the patterns cannot be joined safely (group references,
    conditionals): every line then tries each rule. Memoised by identity, as hashing the rules
    tuple on every call costs more than the lookup saves."""
    memo = _GATES.get(id(rules))  # the entry keeps its rules alive: the id stays theirs
    if memo is not None:
        return memo[1]
    sources = [rule.pattern.pattern for rule in rules]
    # Joined, group numbers shift and names would clash: a rule that refers to a group, or
    # whose "(?P<" text is not all real named groups (escaped, in a class), stays alone.
    if any(_GROUP_REF.search(src) or len(_NAMED_GROUP.findall(src)) != len(rule.pattern.groupindex)
           for src, rule in zip(sources, rules, strict=True)):
        parts = []
    else:
        parts = [_NAMED_GROUP.sub("(?:", src) for src in sources]
    try:
        gate = re.compile("|".join(f"(?:{part})" for part in parts), re.IGNORECASE) if parts else None
    except re.error:
        gate = None
    if len(_GATES) > 16:
        _GATES.clear()
    _GATES[id(rules)] = (rules, gate)
    return gate


def clean_body(text: str, rules: tuple[BoilerplateRule, ...]) -> CleanedText:
    """Normalised text -> paragraphs, in the order the steps must run."""
    result = CleanedText(paragraphs=[])
    blocks = _split_blocks(text)
    kept_blocks: list[list[str]] = []
    gate = _any_rule(rules)
    squeezed = [[_squeeze(line) for line in block] for block in blocks]
    raw_width = _wrap_width([line for lines in squeezed for line in lines if line])
    for lines in squeezed:
        kept = [
            line for i, line in enumerate(lines)
            if line and not (
                (gate is None or (len(line) <= _MAX_BOILERPLATE and gate.fullmatch(line)))
                and not _continues_wrapped(line, lines[i - 1] if i else "", raw_width)
                and _is_boilerplate(line, rules, result)
            )
        ]
        if kept:
            kept_blocks.append(kept)
    width = _wrap_width([line for block in kept_blocks for line in block])
    joined: list[str] = []
    for block in kept_blocks:
        joined.extend(_rejoin(block, width, in_block=len(blocks) > 1))
    result.paragraphs = _drop_repeats(joined, result)
    return result


def _continues_wrapped(line: str, previous: str, width: int | None) -> bool:
    """A line that starts in lower case right after a wrapped line that ended mid-sentence
    is the middle of a paragraph, not boilerplate, whatever a rule says: the rules match
    whole lines, and a hard wrap can leave "hak cipta para musisi ... di" on a line."""
    return (width is not None and line[:1].islower() and len(previous) >= _WRAPPED_SHARE * width
            and not previous.endswith(_SENTENCE_END))


def _squeeze(line: str) -> str:
    """One space for each run of spacing; ASCII lines without a double space or a tab have
    nothing to squeeze, and skipping the regex scan there halves clean_body's time."""
    if line.isascii() and "  " not in line and "\t" not in line:
        return line.strip()
    return _SPACES.sub(" ", line).strip()


def _split_blocks(text: str) -> list[list[str]]:
    """Blank lines separate paragraphs when the file has them; else every line is a block."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text.strip()):
        return [b.split("\n") for b in _BLANK_LINE.split(text) if b.strip()]
    return [text.split("\n")]


def _is_boilerplate(line: str, rules: tuple[BoilerplateRule, ...], result: CleanedText) -> bool:
    if len(line) > _MAX_BOILERPLATE:
        return False
    for rule in rules:
        match = rule.pattern.fullmatch(line)
        if match:
            result.n_boilerplate_lines += 1
            result.removed_by_rule[rule.name] = result.removed_by_rule.get(rule.name, 0) + 1
            for key, value in match.groupdict().items():
                if value:
                    result.captured.setdefault(key, value.strip())
            return True
    return False


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text breaks at, or None when lines are whole paragraphs."""
    if len(lines) < 3:
        return None
    lengths = sorted(len(line) for line in lines)
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    if not 40 <= p90 <= _WRAP_MAX_WIDTH or lengths[-1] > _WRAP_MAX_WIDTH + 20:
        return None
    near_width = sum(1 for n in lengths if n >= 0.75 * p90)
    return p90 if near_width >= 0.5 * len(lengths) else None


def _rejoin(lines: list[str], width: int | None, in_block: bool) -> list[str]:
    """Join a wrapped line to the next; blank-line blocks tolerate a period at the break."""
    if width is None:
        return lines
    paragraphs: list[str] = []
    current = [lines[0]]  # joined once at the end: repeated concatenation is quadratic
    last = lines[0]
    for line in lines[1:]:
        wrapped = len(last) >= _WRAPPED_SHARE * width
        if (wrapped and (in_block or not last.endswith(_SENTENCE_END))
                and parse_dateline(line) is None):  # a dateline opens a story: a headline
            current.append(line)                    # above it is not wrapped into it
        else:
            paragraphs.append(" ".join(current))
            current = [line]
        last = line
    paragraphs.append(" ".join(current))
    return paragraphs


def paragraph_key(text: str) -> str:
    """Comparison key for repeats: case and spacing do not make a paragraph new."""
    return " ".join(text.casefold().split())


def _drop_repeats(paragraphs: list[str], result: CleanedText) -> list[str]:
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        key = paragraph_key(paragraph)
        if key in seen:
            result.n_repeated_paragraphs += 1
            continue
        seen.add(key)
        kept.append(paragraph)
    return kept
