"""The Flesch–Kincaid grade of a letter's text, with a simple syllable counter.

grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59

A UK reading age is the US grade plus 5: grade 4 ≈ age 9, grade 6 ≈ age 11. Used by the
tests of the seeded letters and to warn the DPO about plan wording that is hard to read.
"""

from __future__ import annotations

import html
import re

BLOCK_END = re.compile(r"(?i)</(p|h[1-6]|li|ul|div)>|<br\s*/?>")
TAG = re.compile(r"<[^>]+>")
TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def letter_text(template_source: str) -> str:
    """The words of a template: template code and markup removed, each block ending a sentence."""
    text = TEMPLATE_CODE.sub(" ", template_source)
    text = BLOCK_END.sub(".\n", text)
    return html.unescape(TAG.sub(" ", text))


def syllables(word: str) -> int:
    word = word.lower().strip("'’")
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[.!?:]+\s*", text) if WORD.search(s)]


def grade(text: str) -> float:
    parts = sentences(text)
    words = [w for part in parts for w in WORD.findall(part)]
    if not words:
        return 0.0
    count = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(parts) + 11.8 * count / len(words) - 15.59


PLAIN_GRADE = 6


def hard_to_read(text: str) -> float | None:
    """The grade of `text` when it is above PLAIN_GRADE (rounded), else None."""
    if len(WORD.findall(text or "")) < 8:
        return None
    score = round(grade(text), 1)
    return score if score > PLAIN_GRADE else None
