"""A reply status suggested from a reply's own words (SPEC §10): interested, not interested, later.

Weighted phrase lists, read in order; a phrase overlapping one already found is not counted again,
so the more specific phrases come first. A suggestion only: a user confirms or changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTERESTED = "interested"
NOT_INTERESTED = "not_interested"
LATER = "later"
# A "not now" is a no on its own, and a later when a later cue comes with it.
NOT_NOW = "not_now"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_SEASON = r"(?:spring|summer|fall|autumn|winter|holidays|new year|easter|christmas|thanksgiving)"
_SPAN = r"(?:a few|a couple(?: of)?|few|several|some|\d+(?:\s*-\s*\d+)?|two|three|four|six)"
_NOW = r"(?:right now|at the moment|atm|at this time|at present|currently|for now|just now)"
_CONTACT = (
    r"(?:reach (?:back )?out|get in touch|contact me|ping me|try me|ask me|follow up|touch base"
    r"|talk|speak|chat|reconnect|connect|drop me a line|hit me up|give me a shout)"
)
_GLAD = r"(?:happy|glad|keen|delighted|pleased|eager)"
_CONVERSATION = (
    r"(?:chat|talk|speak|connect|discuss|meet|jump|hop|learn|have a (?:chat|call|conversation))"
)
_DETAILS = r"(?:details|info|information|jd|job spec|job description|spec|specifics)"
_MONEY = r"(?:salary|comp|compensation|pay|rate|budget|package)"
_WHEN = rf"(?:{_SEASON}|{_MONTH})"

# (status, weight, phrases): each phrase a regular expression, matched as whole words and
# regardless of case.
# Order matters: earlier phrases win overlaps, so the more specific come first.
CUES: list[tuple[str, float, tuple[str, ...]]] = [
    (
        NOT_NOW,
        2,
        (
            rf"not (?:really |actively )?(?:interested|looking) {_NOW}",
            rf"(?:happy|content|good|settled) where i am {_NOW}",
            rf"not {_NOW}",
            r"not (?:quite )?(?:yet|ready)",
            r"not (?:actively |currently )?looking",
            r"not this (?:quarter|month|year|time)",
        ),
    ),
    (
        NOT_NOW,
        1,
        (
            r"too busy",
            r"swamped",
            r"snowed under",
            r"not in a position to (?:move|change|leave|switch)",
        ),
    ),
    (
        LATER,
        2,
        (
            r"maybe later",
            r"later (?:this|in the|next) year",
            r"down the (?:road|line)",
            r"(?:circle|check|get|come) back (?:to me |with me )?(?:in|after|then|later)",
            r"(?:circle|check) back",
            r"revisit",
            r"pick this up",
            rf"{_CONTACT}(?: (?:with )?me)?(?: again)? (?:in|after|around|once|then)",
            rf"in {_SPAN} (?:weeks|months)",
            r"next (?:quarter|year|month)",
            r"in q[1-4]",
            rf"(?:in|after|until) (?:the )?(?:(?:early|mid|late)-? ?)?{_WHEN}",
            rf"(?:around|by|until next|after next) (?:the )?(?:{_WHEN}|year|quarter)",
            r"(?:early|later in the|end of the) (?:next )?year",
            r"timing (?:isn'?t|is not|doesn'?t|does not|is bad|is off)",
            r"bad (?:timing|moment)",
            r"not (?:a )?(?:good|great|the right) time",
            r"isn'?t a good time",
        ),
    ),
    (
        LATER,
        1,
        (
            r"later on",
            r"keep (?:me|my \w+) (?:in mind|on file)",
            r"stay in touch",
            r"future (?:roles|opportunities|openings|positions)",
            r"once i'?m settled",
        ),
    ),
    (
        NOT_INTERESTED,
        3,
        (
            r"^\W*no(?![- ](?:problem|worries))",
            r"no,? thanks?",
            r"no thank you",
            r"unsubscribe",
            r"no interest",
            r"(?:remove|take) me (?:off|from)",
            r"stop (?:emailing|contacting)",
            r"(?:don'?t|do not) (?:contact|email|message) me",
            r"not (?:a |the )?(?:good |right )?(?:fit|match|move) for me",
            r"not for me",
            r"declin(?:e|ed|ing)",
            r"say no",
            # "I'll pass", not "I'll pass it on"
            r"(?:i'?ll|i will|have to|going to|gonna|i'?d|will) pass(?! (?:it|this) (?:on|al))",
            r"(?:delete|remove) my (?:details|data|info|information|email|address)",
            r"no longer (?:looking|interested|available)",
        ),
    ),
    (
        NOT_INTERESTED,
        2,
        (
            r"no (?:plans?|intention) (?:to|of) (?:leav|mov|chang|switch)\w*",
            r"(?:don'?t|do not) (?:work|deal) with (?:recruiters|agencies|headhunters)",
            r"committed to my (?:current )?(?:employer|role|team|company|job)",
            r"not the right (?:person|candidate)",
            r"(?:happy|content|good|settled) where i am",
            r"(?:happy|content) (?:in|with|at) my (?:current )?(?:role|job|position|team|company)",
            r"(?:decided|plan|want|going) to stay",
            r"staying put",
            r"accepted (?:a|an) (?:new )?(?:offer|position|role|job)",
            r"not (?:looking|planning|going) to (?:move|leave|change|switch|make a)",
            r"(?:don'?t|do not) (?:want|plan) to (?:move|leave|change|switch)",
            r"not (?:something|anything) i'?d consider",
            r"not considering",
        ),
    ),
    (
        INTERESTED,
        2,
        (
            r"in?t[ea]?r[ea]?s+ted",
            r"keen",
            r"intrigued",
            r"curious",
            r"count me in",
            r"up for (?:it|this|a chat|a call)",
            r"i'?m in(?=\s*(?:[.!]|$))",
            r"delighted",
            r"sounds (?:really |very )?(?:in?t[ea]?r[ea]?s+ting|great|good|exciting)",
            rf"{_GLAD} to {_CONVERSATION}",
            r"let'?s (?:talk|chat|speak|connect|set|schedule|find|do)",
            r"open to (?:hearing|learning|a chat|a call|discussing|talking|exploring)",
            r"(?:would|i'?d) (?:love|like|welcome|be glad) to",
            r"tell me more",
            rf"(?:send|share|forward) (?:me |over |us )*(?:the |some |more |a )*{_DETAILS}",
            rf"{_MONEY} (?:range|band)",
            rf"what(?:'s| is| are| would be) the (?:\w+ )?{_MONEY}",
            r"my availability",
            r"(?:i'?m |i am )?(?:free|available) (?:on|this|next|for|most|any)",
            r"(?:schedule|set up|book|arrange|do|jump on|hop on) (?:a |something|a time)"
            r"(?:quick )?(?:call|chat)?",
            r"give me a (?:ring|call|shout)",
            r"call me",
            r"exploring (?:options|opportunities)",
            r"when can we",
            r"next steps",
            r"interview process",
            r"calendly",
            r"(?:learn|hear|find out) more",
            r"more (?:details|information|info) about",
        ),
    ),
    (
        INTERESTED,
        1,
        (
            r"in?t[ea]?r[ea]?s+ting",
            r"good timing",
            r"well timed",
            r"good match",
            r"^\W*(?:yes|yeah|yep|sure|absolutely|definitely|of course)",
        ),
    ),
]

_COMPILED = [
    (status, weight, re.compile(rf"(?<!\w)(?:{'|'.join(phrases)})(?!\w)", re.IGNORECASE))
    for status, weight, phrases in CUES
]
_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|dont|wont|cant|isnt|wasnt)\b|n't\b)\W*(?:\w+\W+){0,2}$", re.IGNORECASE
)
_CLAUSE_END = re.compile(r"[,.;:!?\n\u2014]|\bbut\b|\bhowever\b|\bthough\b")
_CONTRAST = re.compile(r"\b(?:but|however|though|although|that said)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    status: str | None
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Cue:
    status: str
    weight: float
    start: int
    end: int

    @property
    def explicit_no(self) -> bool:
        # A firm no beats any interest; a mild one taken back by a "but" (2 halved) does not.
        return self.status == NOT_INTERESTED and self.weight >= 1.5


def _negated(text: str, start: int) -> bool:
    """Whether a negation in the same clause, within three words, comes before `start`."""
    before = text[max(0, start - 40) : start]
    clause = _CLAUSE_END.split(before)[-1]
    return bool(_NEGATION.search(clause))


def _find_cues(text: str) -> list[_Cue]:
    cues: list[_Cue] = []
    taken: list[tuple[int, int]] = []
    for status, weight, pattern in _COMPILED:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            if status in (INTERESTED, LATER) and _negated(text, start):
                # "not really interested", "don't reach out again": a no, and an explicit one.
                status_here, weight_here = NOT_INTERESTED, max(weight, 3.0)
            else:
                status_here, weight_here = status, weight
            cues.append(_Cue(status_here, weight_here * _emphasis(text, start), start, end))
    return sorted(cues, key=lambda cue: cue.start)


def _emphasis(text: str, start: int) -> float:
    """Half weight for words a "but" later in the same sentence takes back."""
    sentence_end = re.search(r"[.!?\n]", text[start:])
    rest = text[start : start + sentence_end.start()] if sentence_end else text[start:]
    return 0.5 if _CONTRAST.search(rest) else 1.0


def _decide(cues: list[_Cue]) -> str | None:
    scores = dict.fromkeys([INTERESTED, NOT_INTERESTED, LATER, NOT_NOW], 0.0)
    for cue in cues:
        scores[cue.status] += cue.weight
    # "Not right now, but in the new year": the not-now is the later's reason, not a no.
    scores[LATER if scores[LATER] else NOT_INTERESTED] += scores.pop(NOT_NOW)
    if any(cue.explicit_no for cue in cues):
        scores[INTERESTED] = 0
    # Ties go to the more cautious reading: later, then not interested.
    order = [LATER, NOT_INTERESTED, INTERESTED]
    best = max(order, key=lambda status: (scores[status], -order.index(status)))
    return best if scores[best] > 0 else None


def suggest(text: str) -> Suggestion:
    # Same length as the text, so the spans found point into what the user wrote.
    cues = _find_cues(text.replace("\u2019", "'").replace("\u2018", "'"))
    status = _decide(cues)
    if status is None:
        return Suggestion(None, ())
    counted = {status} if status == INTERESTED else {status, NOT_NOW}
    words = dict.fromkeys(text[c.start : c.end] for c in cues if c.status in counted)
    return Suggestion(status, tuple(words))
