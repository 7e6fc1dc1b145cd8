"""What a pack may say: the kinds of entity and, for each, its attributes and their value types.

The loader rejects any key or attribute not declared here, so a typo in a pack is an error with a
file and line, never a silently ignored fact. `docs/pack-format.md` documents this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AttrType:
    """A value type. `kind` is one of text, str, int, bool, date, ref, struct, enum."""

    kind: str
    targets: tuple[str, ...] = ()  # for ref: the entity kinds it may point to ("*" = any)
    fields: dict[str, AttrType] = field(default_factory=dict)  # for struct
    required: tuple[str, ...] = ()  # for struct: fields that must be present
    choices: tuple[str, ...] = ()  # for enum


@dataclass(frozen=True)
class Attr:
    type: AttrType
    multi: bool = False  # may several values hold at the same time (e.g. members of a body)


TEXT = AttrType("text")
STR = AttrType("str")
INT = AttrType("int")
BOOL = AttrType("bool")
DATE = AttrType("date")


def ref(*kinds: str) -> AttrType:
    return AttrType("ref", targets=kinds)


def enum(*choices: str) -> AttrType:
    return AttrType("enum", choices=choices)


def struct(required: tuple[str, ...], **fields: AttrType) -> AttrType:
    return AttrType("struct", fields=fields, required=required)


SOURCE_TYPES = enum(
    "white_paper",
    "treaty",
    "agreement",
    "exchange_of_notes",
    "law",
    "cabinet_order",
    "cabinet_decision",
    "guidelines",
    "joint_statement",
    "government_release",
    "diet_record",
    "us_code",
    "report",
    "other",
)
INSTRUMENT_TYPES = enum(
    "treaty",
    "agreement",
    "protocol",
    "exchange_of_notes",
    "guidelines",
    "law",
    "joint_statement",
    "joint_declaration",
    "report",
    "plan",
    "arrangement",
    "us_code",
    "cabinet_decision",
)
BODY_ATTRS = {
    "purpose": Attr(TEXT),
    "legal_basis": Attr(TEXT),
    "basis": Attr(ref("instrument", "provision"), multi=True),
    "parent": Attr(ref("body", "channel")),
    "established": Attr(DATE),
    "member": Attr(ref("position", "organisation"), multi=True),
    "membership_note": Attr(struct(("party", "text"), party=ref("party"), text=TEXT), multi=True),
    "summary": Attr(TEXT),
}
VOCAB = {"description": Attr(TEXT), "order": Attr(INT)}

KINDS: dict[str, dict[str, Attr]] = {
    "source": {
        "source_type": Attr(SOURCE_TYPES),
        "publisher": Attr(TEXT),
        "published": Attr(DATE),
        "edition": Attr(STR),
        # a white paper's as-of date: the last day of the month of the latest events it describes
        "as_of": Attr(DATE),
        "url": Attr(STR),
        "terms": Attr(TEXT),
    },
    "party": {"description": Attr(TEXT)},
    "organisation": {
        "party": Attr(ref("party")),
        "parent": Attr(ref("organisation")),
        "description": Attr(TEXT),
        "successor": Attr(ref("organisation")),
    },
    "position": {
        "party": Attr(ref("party")),
        "organisation": Attr(ref("organisation")),
        "description": Attr(TEXT),
    },
    "body": BODY_ATTRS,
    "channel": BODY_ATTRS,
    "instrument": {
        "instrument_type": Attr(INSTRUMENT_TYPES),
        "signed": Attr(DATE),
        "approved": Attr(DATE),
        "promulgated": Attr(DATE),
        "summary": Attr(TEXT),
        "supersedes": Attr(ref("instrument"), multi=True),
        "amends": Attr(ref("instrument")),
        "party": Attr(ref("party"), multi=True),
        "adopted_by": Attr(ref("body", "channel", "meeting")),
        "url": Attr(STR),
    },
    "provision": {
        "instrument": Attr(ref("instrument")),
        "number": Attr(STR),
        "provision_type": Attr(
            enum("article", "paragraph", "phase", "cooperation_item", "section", "annex", "footnote")
        ),
        "summary": Attr(TEXT),
        "order": Attr(INT),
        "parent": Attr(ref("provision")),
        "deadline_months": Attr(INT),
    },
    "mechanism": {
        "instrument": Attr(ref("instrument")),
        "purpose": Attr(TEXT),
        "situation": Attr(ref("situation"), multi=True),
        "summary": Attr(TEXT),
    },
    "place": {
        "administered_by": Attr(ref("party")),
        "part_of": Attr(ref("place")),
        "summary": Attr(TEXT),
    },
    "period": {"summary": Attr(TEXT), "order": Attr(INT)},
    "event": {
        "date": Attr(DATE),
        "precision": Attr(enum("day", "month", "year")),
        "summary": Attr(TEXT),
        "period": Attr(ref("period")),
        "related": Attr(ref("*"), multi=True),
        "in_table": Attr(STR),
    },
    "meeting": {
        "channel": Attr(ref("body", "channel")),
        "date": Attr(DATE),
        "end_date": Attr(DATE),
        "precision": Attr(enum("day", "month", "year")),
        "venue": Attr(TEXT),
        "mode": Attr(enum("in_person", "telephone", "video")),
        "participant": Attr(struct(("position",), position=ref("position"), person=TEXT), multi=True),
        "agenda": Attr(TEXT, multi=True),
        "outcome": Attr(struct(("id", "text"), id=STR, text=TEXT), multi=True),
    },
    "commitment": {
        "meeting": Attr(ref("meeting")),
        # a consultation body or channel, a standing bilateral mechanism (the ACM coordinates, the
        # BPM plans), a party, one of its organisations or an office: as for users' commitments
        "owner": Attr(ref("body", "channel", "mechanism", "organisation", "party", "position")),
        "summary": Attr(TEXT),
        "due": Attr(DATE),
        "done_on": Attr(DATE),
        "done_by": Attr(ref("instrument", "event", "meeting")),
    },
    "exercise": {
        "exercise_type": Attr(enum("command_post", "field", "joint_integrated", "disaster_relief", "other")),
        "start": Attr(DATE),
        "end": Attr(DATE),
        "precision": Attr(enum("day", "month", "year")),
        "participant": Attr(ref("organisation", "party"), multi=True),
        "location": Attr(TEXT),
        "facility": Attr(ref("facility", "place"), multi=True),
        "summary": Attr(TEXT),
    },
    "facility": {
        "operator": Attr(ref("party")),
        "location": Attr(TEXT),
        "place": Attr(ref("place")),
        "joint_use": Attr(struct(("user", "purpose"), user=ref("organisation", "party"), purpose=TEXT), multi=True),
        "summary": Attr(TEXT),
    },
    "deployment": {
        "asset": Attr(TEXT),
        "operator": Attr(ref("organisation", "party")),
        "facility": Attr(ref("facility")),
        "purpose": Attr(TEXT),
        "summary": Attr(TEXT),
    },
    "protection_count": {
        "year": Attr(INT),
        "protecting_party": Attr(ref("party")),
        "protected_party": Attr(ref("party")),
        "activity": Attr(ref("activity")),
        "protected_asset": Attr(enum("ship", "aircraft", "vehicle", "other")),
        "protecting_asset": Attr(enum("ship", "aircraft", "vehicle", "other")),
        "count": Attr(INT),
    },
    "situation": VOCAB,
    "acsa_context": VOCAB,
    "category": VOCAB,
    "activity": VOCAB,
    "domain": VOCAB,
    "settlement_method": VOCAB,
    "marking_level": {"rank": Attr(INT), "banner": Attr(TEXT), "description": Attr(TEXT)},
}

# Kinds that `anpo vocab` lists: the controlled vocabularies of the public contract.
VOCAB_KINDS = (
    "party",
    "situation",
    "acsa_context",
    "category",
    "activity",
    "domain",
    "settlement_method",
    "body",
    "channel",
    "place",
    "marking_level",
)

# Keys an entity record may have besides its facts.
ENTITY_KEYS = ("id", "kind", "label", "short", "names", "from", "to", "cite", "facts", "note")
# Keys a fact record may have besides its one attribute.
FACT_KEYS = ("from", "to", "cite", "note", "approx")
NAME_KEYS = ("label", "short", "from", "to", "cite")
CITATION_KEYS = ("source", "at", "quote")
QUOTE_MAX = 200
