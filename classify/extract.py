"""Who is asking: name, title, agency, place, email and phone from headers, signature, body."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import phonenumbers

from classify.area_codes import phone_regions
from classify.entities import own_agency
from classify.text import CleanText, QuotedMessage, quoted_signature
from classify.types import EmailLike, Requester

MAX_SIGNATURE_LINES = 14

# Ranks and titles as written in signatures -> written out in full.
_RANK_WORDS = {
    # French ranks of Quebec police services, written out in English like the others
    "inspecteur": "Inspector",
    "inspectrice": "Inspector",
    "sergent": "Sergeant",
    "sergente": "Sergeant",
    "capitaine": "Captain",
    "lieutenante": "Lieutenant",
    "agent": "Officer",
    "agente": "Officer",
    "sgt": "Sergeant",
    "sergeant": "Sergeant",
    "s/sgt": "Staff Sergeant",
    "ssgt": "Staff Sergeant",
    "staff sgt": "Staff Sergeant",
    "staff sergeant": "Staff Sergeant",
    "lt": "Lieutenant",
    "lieut": "Lieutenant",
    "lieutenant": "Lieutenant",
    "capt": "Captain",
    "cpt": "Captain",
    "captain": "Captain",
    "cmdr": "Commander",
    "commander": "Commander",
    "maj": "Major",
    "major": "Major",
    "chief": "Chief",
    "deputy chief": "Deputy Chief",
    "chief deputy": "Chief Deputy",
    "asst chief": "Assistant Chief",
    "assistant chief": "Assistant Chief",
    "det": "Detective",
    "detective": "Detective",
    "ofc": "Officer",
    "officer": "Officer",
    "cpl": "Corporal",
    "corporal": "Corporal",
    "dep": "Deputy",
    "deputy": "Deputy",
    "sheriff": "Sheriff",
    "undersheriff": "Undersheriff",
    "insp": "Inspector",
    "inspector": "Inspector",
    "supt": "Superintendent",
    "col": "Colonel",
    "colonel": "Colonel",
    "lt col": "Lieutenant Colonel",
    "cst": "Constable",
    "constable": "Constable",
    "trooper": "Trooper",
    "tpr": "Trooper",
    # Spanish ranks (Puerto Rico), written out in English like the others
    "tte": "Lieutenant",
    "teniente": "Lieutenant",
    "sgto": "Sergeant",
    "sargento": "Sergeant",
    "capitán": "Captain",
    "comandante": "Commander",
    "agte": "Officer",
    # state police ranks
    "tfc": "Trooper First Class",
    "trooper first class": "Trooper First Class",
    "senior trooper": "Senior Trooper",
    "master trooper": "Master Trooper",
    "sr tpr": "Senior Trooper",
}
_SWORN_RANKS = frozenset(_RANK_WORDS.values())
_ABBREVIATIONS = {
    "sgt": "Sergeant",
    "lt": "Lieutenant",
    "capt": "Captain",
    "cpt": "Captain",
    "cmdr": "Commander",
    "det": "Detective",
    "ofc": "Officer",
    "cpl": "Corporal",
    "asst": "Assistant",
    "dir": "Director",
    "coord": "Coordinator",
    "supt": "Superintendent",
    "insp": "Inspector",
    "mgr": "Manager",
    "admin": "Administrator",
    "exec": "Executive",
    "dep": "Deputy",
    "maj": "Major",
    "comm": "Communications",
    "comms": "Communications",
    "ops": "Operations",
}
_TITLE_WORDS = {
    "chief",
    "director",
    "deputy",
    "manager",
    "coordinator",
    "sergeant",
    "lieutenant",
    "captain",
    "commander",
    "officer",
    "sheriff",
    "undersheriff",
    "assistant",
    "executive",
    "commissioner",
    "supervisor",
    "analyst",
    "administrator",
    "specialist",
    "president",
    "dean",
    "major",
    "detective",
    "corporal",
    "inspector",
    "superintendent",
    "clinician",
    "counselor",
    "therapist",
    "trooper",
    "constable",
    "marshal",
    "mayor",
    "councilmember",
    "liaison",
    "head",
    "lead",
    "planner",
    "consultant",
    "advocate",
    "worker",
    "navigator",
    "investigator",
    "dispatcher",
    "telecommunicator",
    "colonel",
    "agent",
    "sgt",
    "lt",
    "capt",
    "cmdr",
    "det",
    "ofc",
    "cpl",
    "asst",
    "dir",
    "coord",
    "mgr",
    "leader",
    "principal",
    "psychologist",
    "nurse",
    "chair",
    "secretary",
    "associate",
    "fellow",
    "intern",
    "attorney",
    "engineer",
    "administrative",
    "advisor",
    "adviser",
    "facilitator",
    "organizer",
    "officer-in-charge",
    "educator",
    "aide",
    "trainer",
    "instructor",
    "writer",
}
_AGENCY_HEADS = re.compile(
    r"\b(?:department|dept\.?|office|police|pd|so|p\.d\.?|s\.o\.?|service|services|center|centre|"
    r"network|agency|"
    r"commission|commissioners|supervisors|authority|hospital|clinic|"
    r"sheriff'?s? (?:office|department)|university|college|"
    r"institute|alliance|coalition|council|board|district attorney|system|partnership|partners|"
    r"school district|public schools|crisis line|crisis hotline|hotline|lifeline|"
    r"association|foundation|constabulary|patrol|marshals?|health|program|collaborative|court|"
    r"counseling|counselling|"
    r"government|(?:joint|consolidated|regional|county|emergency|public safety) communications|"
    r"(?:communications?|911) district|county 911|city 911|regional 911|metro 911|e-?911|"
    r"emergency communications)\s*$",
    re.IGNORECASE,
)
_AGENCY_LEAD = re.compile(
    r"^(?:the\s+)?(?:(?:city|town|county|village|state|borough|township) of\b|NAMI\b"
    r"|service de police\b|s[ûu]ret[ée] du\b|r[ée]gie (?:intermunicipale )?de police\b"
    r"|polic[ií]a (?:municipal|estatal) de\b|negociado de la polic[ií]a\b)",
    re.I,
)
# "Service de police de la Ville de Sherbrooke", "Service de police de Trois-Lacs"
_FRENCH_POLICE_OF = re.compile(
    r"^(?:service|r[ée]gie (?:intermunicipale )?) de police (?:de la ville de |de |du |des |d')"
    r"(?P<place>[A-ZÀ-Ý][\w'\-]+(?:[ -][A-ZÀ-Ý][\w'\-]+){0,3})$",
    re.I,
)
# "Family Mental Health Alliance of Dubuque", "Council of Governments of ..."
_ORG_OF_PLACE = re.compile(
    r"\b(?i:alliance|association|coalition|council|network|center|centre|federation|society|"
    r"institute|department|office|division|bureau|court)"
    r"(?: (?:for|on) [\w&' -]{2,40}?)? of (?:the )?[A-Z][\w.' -]+$"
)
_UNIT_TAIL = re.compile(
    r"\b(?:division|bureau|unit|section|team|district|squad|detail|program|services|response)\s*$",
    re.IGNORECASE,
)
_UNIT_ONLY = re.compile(
    r"^(?:[\w/&'-]+\s+){0,4}(?:division|bureau|unit|section|team|district|squad|detail)$", re.I
)
_ORG_WORDS = {
    "department",
    "police",
    "county",
    "city",
    "office",
    "center",
    "centre",
    "services",
    "service",
    "university",
    "college",
    "network",
    "sheriff",
    "sheriff's",
    "health",
    "agency",
    "division",
    "unit",
    "bureau",
    "team",
    "state",
    "regional",
    "hospital",
    "pd",
    "program",
    "communications",
}
_CREDENTIAL = (
    r"(?:ph\.?d|psy\.?d|m\.?d|d\.?o|lcsw(?:-c)?|lmsw|lpc(?:-s)?|lmhc|lmft|msw|ma|ms|mba|mpa|"
    r"rn|bsn|cpm|jd|esq|lcdc|lpcc|cadc|ncc|lisw(?:-s)?|lpn|np|aprn|mph|capt|ret)\.?"
)
_CREDENTIALS = re.compile(
    rf",\s*{_CREDENTIAL}(?:\s*,\s*[A-Za-z.\-]{{2,8}})*\s*$",
    re.IGNORECASE,
)
# "Broussard, Celeste MD": credentials written after the first name, without a comma
# (capitals only, so a first name such as "Ma" is kept)
_TRAILING_CREDENTIALS = re.compile(r"(?:\s+[A-Z][A-Za-z.]*[A-Z]\.?)+$")
_NAME_PART = (
    r"(?:[A-Z][\w'\-]*\.?|[A-Z]\.|(?:de|del|della|da|di|van|von|der|la|le|st\.?|mc|bin|al)\b)"
)
_NAME = re.compile(rf"^(?P<name>{_NAME_PART}(?:\s+{_NAME_PART}){{1,4}})$", re.UNICODE)
_RANK_PREFIX = re.compile(
    r"^(?P<rank>s/sgt|ssgt|staff\s+sgt\.?|staff\s+sergeant|deputy\s+chief|dep\.?\s+chief|asst\.?\s+chief|"
    r"assistant\s+chief|lt\.?\s+col\.?|sgt|sergeant|lt|lieut|lieutenant|capt|cpt|captain|cmdr|"
    r"commander|maj|major|chief|det|detective|ofc|officer|cpl|corporal|dep|deputy|sheriff|"
    r"undersheriff|insp|inspector|supt|col|colonel|cst|constable|trooper\s+first\s+class|tfc|"
    r"senior\s+trooper|sr\.?\s+tpr|master\s+trooper|trooper|tpr|"
    r"inspecteur|inspectrice|sergent|sergente|capitaine|lieutenante|agente?|"
    r"tte|teniente|sgto|sargento|capit[áa]n|comandante|agte)\.?\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_RANK_SURNAME = re.compile(
    r"^(?P<rank>sgt|sergeant|lt|lieutenant|capt|captain|cmdr|commander|chief|det|detective|"
    r"ofc|officer|cpl|corporal|deputy|sheriff|undersheriff|trooper)\.?\s+(?P<surname>[A-Z][a-z'\-]+)$",
    re.IGNORECASE,
)
_CIVIC_PREFIX = re.compile(
    r"^(?:commissioner|mayor|judge|councilmember|council member|councilman|councilwoman|"
    r"alderman|alderwoman|alderperson|senator|representative|rep\.|supervisor)\s+"
    r"(?=\S+\s+\S+)",
    re.IGNORECASE,
)
_BADGE = re.compile(r"\s+(?:#|badge\s*#?|no\.\s*)\s*\d{1,6}\s*$", re.IGNORECASE)
_HONORIFIC = re.compile(r"^(?:dr|mr|mrs|ms|mx|prof|rev|hon)\.?\s+", re.IGNORECASE)
_STATE_PAREN = re.compile(r"\s*\((?P<state>[A-Za-z .]{2,20})\)\s*")
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_PLACE_IN_BRACKETS = re.compile(r"\((?P<city>[A-Z][\w.' -]{1,30}),\s*(?P<state>[A-Za-z. ]{2,20})\)")
_ZIP = r"(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)"
_ADDRESS = re.compile(
    rf"(?:^|,\s*|\s{{2,}}|•\s*|·\s*|\|\s*)(?P<city>[A-ZÀ-Ý](?:[^\W\d_]|[.'\- ]){{1,40}}?),?\s+"
    rf"(?P<state>[A-Z]{{2}}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\.?(?:,?\s+(?P<zip>{_ZIP}))?\s*$"
)
_AGENCY_IN_INTRO = (
    r"(?P<agency>(?:[A-Z][\w.'&-]*\s+){0,7}?(?:Police Department|Police Service|Police|"
    r"Sheriff's Office|Sheriff's Department|Sheriff's Office|Department of [A-Z][\w ]+|"
    r"[A-Z][\w']* (?:Center|Centre|Network|Services|Agency|College|University|Alliance|"
    r"Coalition|Association|Foundation|Office)|PD|SO|"
    r"(?:City|Town|Village|County|Township|Borough) of [A-Z][\w'-]+(?: [A-Z][\w'-]+)?))\b"
)
# "I'm the CIT coordinator for ...", "I am program coordinator in ..." (no article)
_INTRO = re.compile(
    r"\bI(?:'m| am)\s+(?:(?:a|an|the)\s+)?(?P<title>[\w /-]{2,60}?)\s+(?:with|at|for|of|in)\s+"
    r"(?:the\s+)?" + _AGENCY_IN_INTRO
)
# "Hi, this is Deputy Kayla Strand with the Gallatin County Sheriff's Office"
_THIS_IS = re.compile(
    r"\b(?i:this is|my name is|i'm|i am)\s+(?P<rank>(?i:deputy chief|deputy|sgt|sergeant|lt|"
    r"lieutenant|officer|detective|det|cpl|corporal|capt|captain|chief|sheriff|undersheriff|"
    r"major|trooper|commander))\.?\s+[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+){1,2}\s+"
    r"(?:with|from|at|of)\s+(?:the\s+)?" + _AGENCY_IN_INTRO
)
_OWN_TITLE = re.compile(
    r"\b(?:I'm|I am|[Aa]s)\s+(?:a|an|the)\s+(?:new\s+|current\s+|acting\s+|interim\s+)?"
    r"(?P<title>[\w/-]+(?:\s+[\w/-]+){0,4}?)(?:\s+(?:with|at|for|of|in|here|on|to)\b|\s*[.,;])"
)
_AGENCY_IN_TEXT = re.compile(
    r"\b(?:the\s+)?(?P<agency>(?:[A-Z][\w.'&-]*\s+){1,6}(?:Police Department|Police Service|"
    r"Sheriff's Office|Sheriff's Department|Sheriff's Office|Public Safety Department|"
    r"Department of Public Safety|PD|SO))\b(?:\s+in\s+(?P<state>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?))?"
)
_ON_BEHALF = re.compile(
    r"\b(?i:on behalf of)\s+(?:(?P<honorific>(?i:dr|mr|mrs|ms|chief of police|police chief|chief|"
    r"sheriff|director|commissioner|"
    r"captain|capt|lt|sgt|major|judge|mayor))\.?\s+)?"
    # name parts end before a full stop unless they are initials ("Wayne Bowman. The Sheriff")
    r"(?P<name>(?:[A-Z]\.|[A-Z][\w'\-]+)(?:\s+(?:[A-Z]\.|[A-Z][\w'\-]+)){1,3})"
    r"(?:,\s*(?:the\s+|our\s+)?(?P<rest>[^,;:\n]{3,140}))?"
)
_ASKED_ME = re.compile(
    r"\b(?P<honorific>(?i:chief|sheriff|director|commissioner|captain|major|undersheriff|"
    r"lieutenant|colonel|judge|mayor|superintendent))\s+"
    r"(?P<name>[A-Z][\w'.\-]+(?:\s+[A-Z][\w'.\-]+){0,2})\s+(?:has\s+)?asked\s+me\s+to\s+"
    r"(?:reach out|contact|write|email|get in touch|send|forward|pass)\b"
)
# "I am the executive assistant to Chief of Police Anthony Russo and am writing on his behalf"
_ASSISTANT_FOR = re.compile(
    r"\bassistant to (?:the\s+)?(?P<honorific>(?i:chief of police|police chief|chief|sheriff|"
    r"director|commissioner|mayor|captain|major|undersheriff|superintendent))\s+"
    r"(?P<name>[A-Z][\w'.\-]+(?:\s+[A-Z][\w'.\-]+){1,2})\b[^.]{0,80}?\bon (?:his|her|their) behalf"
)
# A forwarder who hands someone over rather than asking for themselves.
_HANDOFF = re.compile(
    r"\b(?:passing (?:it|this|the \w+) (?:along|on)|pass(?:ing)? along (?:the|her|his|their)"
    r"|reply to (?:him|her|them) directly|respond to (?:him|her|them) directly"
    r"|(?:reach out to|contact|write to) (?:him|her|them) directly"
    r"|(?:reply|respond|write) directly to (?:him|her|them)"
    r"|(?:follow up|get back|get in touch|connect) with (?:him|her|them) directly"
    r"|(?:his|her|their) contact info"
    r"|(?:I've|I have|I) (?:copied|cc'?d|cc'?ed) (?:him|her|them)|(?:he's|she's|they're) copied"
    r"|(?:help|assist) (?:him|her|them)(?: out)?\b|better placed to help"
    r"|(?:sent|forwarded) me the (?:note|email|message|request) below)",
    re.IGNORECASE,
)
MAX_BARE_FORWARD_WORDS = 40
MAX_HANDOFF_WORDS = 150
_FAX = re.compile(r"\bfax\b|\bf\s*[:.]\s*$", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_GENERIC_LOCALPART = re.compile(r"^(?:no-?reply|info|admin|support|webmaster|contact|office)@")
_STRONG_AGENCY = re.compile(
    r"police|sheriff|\bpd\b|\bso\b|county|city of|town of|village of|university|college|911|nami\b|"
    r"department$|office$",
    re.IGNORECASE,
)
_COUNTY = re.compile(r"^(?:[A-Z][\w.'-]*\s+){1,3}(?:County|Parish)$")
_DISTRICT_AGENCY = re.compile(r"\b(?:communications?|911|school) district$", re.IGNORECASE)
_PARTS_SPLIT = re.compile(r"\s+[|~•·]\s+|\s*\|\s*|\s+[-–—]\s+|\s{2,}")
_SEGMENT_SPLIT = re.compile(
    r"\s+[|•·/–—*]\s+|\s*\|\s*|\s+-{1,2}\s+|\s{3,}|(?<=[A-Z]{2})\s{2}(?=[A-Z])|,\s+(?=[A-Z(+\d])"
)
_POLICE_OR_SHERIFF = re.compile(r"police (?:department|service)|sheriff'?s", re.I)
_OFFICE_NAME = re.compile(
    r"\b(?:county|city|police|department|office|unit|division|bureau)\b|\bsheriff$", re.I
)
_DEPARTMENT_OF_NAME = re.compile(r"^(?:department|office) of [A-Z]", re.I)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_PD = re.compile(r"\bP\.?D\b\.?")
_CC_POLICE = re.compile(r"\bCC(?= Police\b)")
_ISD_POLICE = re.compile(r"\bISD(?= Police\b)")
_CO_SHERIFF = re.compile(r"\bCo\.?(?= (?:Sheriff|SO\b))")
_STATE_BEFORE_UNIT = re.compile(r"(?<=[a-z]) (?P<state>[A-Z]{2})(?= (?:PD|SO|Police|Sheriff)\b)")
_SO_AT_END = re.compile(r"\bS\.?O\.?$")
_DEPT = re.compile(r"\bDept\b\.?", re.IGNORECASE)
_SHERIFFS = re.compile(r"\bSheriffs\b")
_POLICE_AT_END = re.compile(r"(?<!Regional )(?<!Provincial )(?<!State )(?<!of )\bPolice$")
_STREET_PART = re.compile(r"^(?:.*\d.*?,\s*)")
_GOVERNMENT_TITLE = re.compile(
    r"\b(?:county|city|town|village|borough) (?:manager|administrator|executive|commissioner|clerk)"
    r"|\bmayor\b|\bcommissioner\b",
    re.IGNORECASE,
)
# "Baldwin Co 911", "Lee Co. Sheriff's Office"
_COUNTY_ABBREVIATION = re.compile(
    r"(?<=[a-z] )Co\.?(?= (?:911|E-?911|Sheriff|Jail|Board|Health|Commission|Emergency|"
    r"Communications|Dispatch|Government|Administrator|Manager)\b)"
)
_CITY_OF = re.compile(r"^(?:City|Town|Village|Borough|Township) of\s+", re.IGNORECASE)
_DOUBLED_CAMPUS = re.compile(r"\b(University|College) (?:University|College|Campus) ")
_UNIVERSITY = re.compile(r"universit|college", re.I)
_UNIT_OF = re.compile(r"^(?:department|office|division) of\b", re.I)
_DEPARTMENT_OF = re.compile(r"^(?:department|office) of\b", re.I)
# "Emergency Department", "Office of the Chief of Police": words that name no place.
_NOT_PLACE_WORDS = (
    _TITLE_WORDS
    | _ORG_WORDS
    | {
        "emergency",
        "patrol",
        "community",
        "crisis",
        "special",
        "operations",
        "support",
        "training",
        "mental",
        "behavioral",
        "public",
        "safety",
        "the",
        "of",
        "criminal",
        "justice",
    }
)
# "Criminal Justice Coordinating Council", "City Administrator's Office": names that need
# the county or city a signature gives elsewhere to say whose they are.
_GENERIC_NAME_WORDS = _NOT_PLACE_WORDS | {
    "investigations",
    "investigative",
    "psychiatric",
    "field",
    "administration",
    "professional",
    "standards",
    "strategic",
    "initiatives",
    "planning",
    "policy",
    "wellness",
    "&",
    "coordinating",
    "council",
    "administrator",
    "administrator's",
    "manager's",
    "attorney's",
    "medical",
    "clinical",
    "programs",
    "outreach",
    "response",
}


def _generic_name(agency: str) -> bool:
    words = [w.lower().strip(".,()") for w in agency.split() if w not in {"&", "and"}]
    return bool(words) and all(w in _GENERIC_NAME_WORDS for w in words)


_PLACE_NAME = re.compile(r"^[A-Z][A-Za-z.'\-]+(?:\s[A-Z][A-Za-z.'\-]+){0,3}$")
# "here in Savannah", "at Chatham County E-911 in Savannah": a place the writer is in.
_PLACE_IN_TEXT = re.compile(
    r"\b(?:in|of|outside|near)\s+(?P<place>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})\b"
)
_PLACE_WITH_STATE = re.compile(
    r"(?:\b(?:in|of|outside|near)\s+|(?<=[a-z]) \()"  # "... Behavioral Health (Montrose, CO)"
    r"(?P<place>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}),\s+"
    r"(?P<state>[A-Z]{2}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b"
)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|we|we're|our|my|us|here)\b")
# "headquartered in Dunmore", "we're based in Lewistown": where the agency itself sits
_HOME_PLACE = re.compile(
    r"\b(?:headquartered|based|located)\s+(?:here\s+)?in\s+"
    r"(?P<place>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})\b(?!,?\s+(?:County|Parish)\b)"
)
_PARAGRAPH_SPLIT = re.compile(r"\n\s*\n")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")
_WORDS = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True)
class SignatureFacts:
    """What a signature block says about its writer."""

    name: str = ""
    title: str = ""
    agency: str = ""
    city: str = ""
    state: str = ""
    phone: str = ""
    email: str = ""


def fold(text: str) -> str:
    """Lower-case ASCII for comparisons ('Ibáñez' == 'ibanez')."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def expand_title(raw: str) -> str:
    """'Sgt.' -> 'Sergeant', 'Asst. Chief' -> 'Assistant Chief'; the rest kept as written."""
    raw = " ".join(raw.strip(" ,.|-–—").split())
    key = raw.lower().rstrip(".")
    if key in _RANK_WORDS:
        return _RANK_WORDS[key]
    words = []
    for word in raw.split():
        bare = word.rstrip(".,").lower()
        words.append(_ABBREVIATIONS.get(bare, word.rstrip(",")))
    return " ".join(words)


def display_name(from_name: str) -> str:
    """'Lindqvist, Maren' -> 'Maren Lindqvist'; quotes, ranks and honorifics dropped."""
    name = " ".join(from_name.replace('"', " ").split())
    if "@" in name:
        return ""
    # "Harlan, Rebecca (DMH)", "Okafor, Adrienne - Mayor's Office": the unit is no name part
    name = re.sub(r"\s*\([^)]*\)|\s+[-–—|]\s+.*$", "", name).strip()
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if last and first and " " not in last and not _CREDENTIALS.search(name):
            credentials = _TRAILING_CREDENTIALS.search(first)
            if credentials and re.fullmatch(
                rf"(?:\s+{_CREDENTIAL})+", credentials.group(0), re.IGNORECASE
            ):
                first = first[: credentials.start()]
            name = f"{first} {last}"
    if _OFFICE_NAME.search(name):
        return ""  # "Fergus County Sheriff", "Records Unit": an office's mailbox, not a person
    name = _CREDENTIALS.sub("", name)
    name = _CIVIC_PREFIX.sub("", name)  # "Commissioner Linda Haverford"
    rank = _RANK_PREFIX.match(name)
    if rank and len(rank.group("rest").split()) >= 2:
        name = rank.group("rest")
    return _HONORIFIC.sub("", name).strip()


def _person_name(line: str) -> tuple[str, str]:
    """(name, rank) when a signature line is a person's name, else ('', '')."""
    line = _BADGE.sub("", line)  # "Sgt. Alicia Brandt #214"
    text = _CREDENTIALS.sub("", line.strip().strip("*_\"'—–-").strip())
    text = _HONORIFIC.sub("", text)
    rank = ""
    match = _RANK_PREFIX.match(text)
    if match and len(match.group("rest").split()) >= 2:
        rank, text = match.group("rank"), match.group("rest").strip()
    text = text.rstrip(",")
    if not _NAME.match(text):
        return "", ""
    words = {w.lower().strip(".,") for w in text.split()}
    if words & (_TITLE_WORDS | _ORG_WORDS) or len(text) > 50:
        return "", ""
    return text, rank


def _signature_lines(lines: Sequence[str]) -> list[str]:
    """Non-blank lines, a one-line signature's parts ('Sgt. Ann Roe | Avon PD') as lines."""
    return [
        _COUNTY_ABBREVIATION.sub("County", _capitalized(part.strip()))
        for line in lines
        for part in _PARTS_SPLIT.split(line)
        if part.strip()
    ]


def _capitalized(line: str) -> str:
    """'comm supervisor, baldwin co 911' -> 'Comm Supervisor, Baldwin Co 911' (a signature typed
    in lower case); 'robertsdale al' -> 'Robertsdale AL'; addresses and mixed case kept."""
    if line != line.lower() or "@" in line or not any(ch.isalpha() for ch in line):
        return line
    words = line.split(" ")
    out = []
    for i, word in enumerate(words):
        if i == len(words) - 1 and len(word) == 2 and normalize_state(word.upper()):
            out.append(word.upper())
        elif word in {"of", "the", "and", "for", "de", "la"} and i > 0:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def _segments(line: str) -> list[str]:
    # "Pike County (Bowling Green, Mo.)": a comma inside brackets splits nothing
    protected = _PARENTHESES.sub(lambda m: m.group(0).replace(",", "\x00"), line)
    parts = _SEGMENT_SPLIT.split(protected)
    return [p.strip(" ,").replace("\x00", ",") for p in parts if p and p.strip(" ,")]


def _is_title(segment: str) -> bool:
    words = [w.lower().strip(".,()") for w in segment.split()]
    digits = any(ch.isdigit() for ch in segment.replace("911", ""))
    if not words or len(words) > 8 or digits or "@" in segment:
        return False
    if _AGENCY_LEAD.match(segment) or _POLICE_OR_SHERIFF.search(segment):
        return False
    return any(w in _TITLE_WORDS for w in words)


def _title_first(segment: str) -> bool:
    """'Chief of Police', 'Director of Crisis Services': a title that names what it heads
    ('Interim Chief of Police' too)."""
    words = segment.split()
    if len(words) > 1 and words[0].lower() in {"interim", "acting"}:
        words = words[1:]
    return (
        bool(words)
        and words[0].lower().strip(".,") in _TITLE_WORDS
        and (
            len(words) == 1 or words[1].lower() in {"of", "for"} or words[1].lower() in _TITLE_WORDS
        )
    )


def _is_agency(segment: str) -> bool:
    if (
        any(ch.isdigit() for ch in segment.replace("911", "").replace("9-1-1", ""))
        or "@" in segment
        or len(segment) > 90
    ):
        return False
    stripped = _STATE_PAREN.sub(" ", segment).strip()
    if _UNIT_ONLY.match(stripped) and not _DISTRICT_AGENCY.search(stripped):
        return False
    if not stripped[:1].isupper() or len(stripped.split()) < 2:
        return False  # "Patrol" or "Health" alone is a unit, not an agency
    return bool(
        _AGENCY_LEAD.match(stripped)
        or _AGENCY_HEADS.search(stripped)
        or _DEPARTMENT_OF_NAME.match(stripped)
        or (_ORG_OF_PLACE.search(stripped) and not _is_title(stripped))
    )


def normalize_agency(raw: str) -> tuple[str, str]:
    """(agency in full, state hint): 'Avon PD (OH)' -> ('Avon Police Department', 'OH')."""
    state = ""
    paren = _STATE_PAREN.search(raw)
    if paren:
        state = paren.group("state")
        raw = _STATE_PAREN.sub(" ", raw)
    text = " ".join(raw.split()).strip(" ,.-")
    text = _LEADING_THE.sub("", text)
    coded = _STATE_BEFORE_UNIT.search(text)
    if coded and normalize_state(coded["state"]):
        # "Osage Falls KS PD": the state names no part of the agency
        state = state or coded["state"]
        text = text[: coded.start()] + text[coded.end("state") :]
    text = _PD.sub("Police Department", text)
    text = _CO_SHERIFF.sub("County", text)  # "Wabaunsee Co SO"
    text = _CC_POLICE.sub("Community College", text)  # "Mesa Ridge CC Police"
    text = _ISD_POLICE.sub("Independent School District", text)  # Texas school police
    text = _SO_AT_END.sub("Sheriff's Office", text)
    text = _DEPT.sub("Department", text)
    text = _SHERIFFS.sub("Sheriff's", text)
    if _POLICE_AT_END.search(text):
        text += " Department"
    return text, state


def agency_type(agency: str, title: str = "", email: str = "") -> str:
    """police | sheriff | campus | behavioral_health | government | other ('' when unknown)."""
    text = agency.lower()
    if not text:
        return ""
    if "sheriff" in text:
        return "sheriff"
    if re.search(r"universit|college|campus|school district|\bisd\b", text) and re.search(
        r"police|safety|security|campus", f"{text} {title.lower()}"
    ):
        return "campus"
    if re.search(
        r"\bpolice\b|\bpolic[ií]a\b|\bconstabulary\b|\bmarshal|public safety department", text
    ):
        return "police"
    if re.search(
        r"\b911\b|\b9-1-1\b|communications? (?:cent|district)|emergency communication|"
        r"dispatch|\bpsap\b|\bcommunications$",
        text,
    ):
        return "government"
    if re.search(r"\bnami\b", text):
        return "other"  # families and advocates, not providers nor government
    if re.search(r"^(?:city|town|county|village|state|borough|township|commonwealth) of\b", text):
        return "government"
    state_office = re.match(
        r"^(?P<state>[a-z]+(?: [a-z]+)?) (?:office|department|division|bureau|board) of\b", text
    )
    if state_office and normalize_state(state_office["state"].title()):
        return "government"  # "Montana Office of Crisis Response Training"
    if re.search(r"\bfamil(?:y|ies)\b.*\b(?:alliance|association|coalition|network)\b", text):
        return "other"  # "Family Alliance for Mental Health of Linn County": advocates
    if re.search(r"\bdepartment of\b|\bcommission\b|\bgovernment\b|\bcounty$|\bmayor", text):
        return "government"
    if re.search(r"^(?:[a-z.'-]+ ){1,3}(?:county|city|town|village) office of\b", text):
        return "government"  # "Harmon County Office of Justice Programs"
    if re.search(
        r"\b(?:county|city|town|village|borough|parish)\b.*\b(?:manager|administrator|executive|"
        r"commissioners?|attorney|clerk|council|board)\b",
        text,
    ):
        return "government"
    if re.search(
        r"\b(?:county|city)\b.*\b(?:human services|public health|health department|"
        r"health (?:&|and) human)",
        text,
    ):
        return "government"  # "Fort Bend County Health & Human Services"
    if re.search(r"public defender|district attorney|state'?s attorney|prosecut", text):
        return "government"
    if re.search(r"\bcourts?\b|\bjudicial\b", text):
        return "other"
    if re.search(r"\bnami\b|\bfamil(?:y|ies)\b|\bparents'?\b|\badvoca", text):
        return "other"  # families and advocates, not providers
    if re.search(r"\balliance\b", text) and not re.search(r"recovery|crisis|treatment", text):
        return "other"  # "Mental Health Alliance of the Chattahoochee Valley": advocates
    if re.search(
        r"behavioral|mental health|crisis|recovery|counseling|treatment|addiction|psychiatr|"
        r"wellness|substance|community services? board|tribal health|indian health|"
        r"health authority",
        text,
    ):
        return "behavioral_health"
    return "other"


@lru_cache(maxsize=1)
def _geo() -> object | None:
    try:
        from classify import geo
    except ImportError:  # the gazetteer is optional: without it a city alone gives no state
        return None
    return geo


@lru_cache(maxsize=4096)
def normalize_state(raw: str) -> str:
    """A US state or Canadian province as its two-letter code, or ''."""
    raw = raw.strip().strip(".")
    if not raw:
        return ""
    geo = _geo()
    if geo is not None:
        return str(geo.normalize_region(raw))  # type: ignore[attr-defined]
    return raw.upper() if len(raw) == 2 and raw.isalpha() else ""


def state_of_city(city: str) -> str:
    """The state of a city name that clearly means one place (Cheyenne -> WY), else ''."""
    geo = _geo()
    if geo is None or not city:
        return ""
    place = geo.default_gazetteer().locate(city, "")  # type: ignore[attr-defined]
    if place is None or place.precision != "city":
        return ""
    return str(place.label.rsplit(", ", 1)[-1])


def _state_by_phone(city: str, phone: str) -> str:
    """The state, among those the phone's area code serves, that has a city of this name."""
    geo = _geo()
    if geo is None:
        return ""
    for region in phone_regions(phone):
        place = geo.default_gazetteer().locate(city, region)  # type: ignore[attr-defined]
        if place is not None and place.precision == "city":
            return region
    return ""


def _place_name(segment: str) -> bool:
    """'Troy' or 'Baton Rouge': a bare place name, not a title or an agency."""
    return (
        bool(_PLACE_NAME.match(segment))
        and not _COUNTY.match(segment)
        and not _is_title(segment)
        and not _is_agency(segment)
    )


def _address(segment: str) -> tuple[str, str]:
    match = _ADDRESS.search(segment.strip())
    if not match:
        return "", ""
    state = normalize_state(match.group("state"))
    city = match.group("city").strip(" .,")
    if normalize_state(f"{city} {match.group('state')}"):
        return "", ""  # "West Virginia" is a state, not the town of West in Virginia
    city = _STREET_PART.sub("", city)
    city = _CITY_OF.sub("", city)  # "City of Durham, North Carolina"
    if _is_agency(city):
        # "Coosa Bend PD, Alabama": the place in the agency's name
        city = _place_in_agency_name(normalize_agency(city)[0])
    if not state or not city or len(city.split()) > 4:
        return "", ""
    # "Harwick NE" is a place line; "Mental Health Unit OR" is not: accept only short lines.
    short_state = len(match.group("state")) == 2 and not match.group("zip") and "," not in segment
    if short_state and len(segment.split()) > 4:
        return "", ""
    if city.lower() in {"suite", "box", "po box", "p.o. box"} or _COUNTY.match(city):
        return "", ""  # "Johnson County, Iowa" names a county, not a city
    return city, state


_PHONE_CANDIDATE = re.compile(
    r"(?<![\w.])(?P<nanp>(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]?\d{4})(?!\d)"
    r"|\+\d{1,3}[\s.-]?(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{2,4}(?!\d)"
)
_FAX_AFTER = re.compile(r"\s*\(?fax", re.IGNORECASE)
_NOT_DIGIT = re.compile(r"\D")
_PLAIN_NANP = re.compile(r"(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}$")


def _phone(text: str) -> str:
    """The first non-fax phone number in the text, as E.164 (phonenumbers does the parsing)."""
    for match in _PHONE_CANDIDATE.finditer(text):
        before = text[max(0, match.start() - 8) : match.start()]
        after = text[match.end() : match.end() + 8]
        if _FAX.search(before) or _FAX_AFTER.match(after):
            continue
        if match.group("nanp") and _PLAIN_NANP.match(match.group("nanp")):
            # Ten digits after an optional 1 is a possible North American number as it stands;
            # phonenumbers (about 0.2 ms a call) is kept for the international forms.
            return "+1" + _NOT_DIGIT.sub("", match.group("nanp"))[-10:]
        try:
            number = phonenumbers.parse(match.group(0), "US")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def read_signature(lines: Sequence[str], from_name: str = "") -> SignatureFacts:
    """Name, title, agency, place, phone and email from a signature block."""
    lines = _signature_lines(lines[:MAX_SIGNATURE_LINES])
    name = rank = ""
    start = 0
    for i, line in enumerate(lines[:6]):
        found, found_rank = _person_name(line)
        if found and len(found.split()) >= 2:
            name, rank, start = found, found_rank, i + 1
            break
        head, comma, rest = line.partition(",")
        # "Fort Calloway, AR" is a place, not a person
        place_line = bool(_address(line)[0])
        found, found_rank = _person_name(head) if comma and not place_line else ("", "")
        if found and len(found.split()) >= 2:
            # "Ray Lindahl, Chief of Police, Ely Police Department": the rest is read as usual.
            lines[i] = rest.strip()
            name, rank, start = found, found_rank, i
            break
        if found and not name:
            continue  # a first name alone ("Maren") above the full signature
        surname = _RANK_SURNAME.match(line.strip())
        if surname and surname.group("surname").lower() not in _TITLE_WORDS | _ORG_WORDS:
            rank, start = surname.group("rank"), i + 1  # "Chief Kimble": the header has the name
            break
    title = expand_title(rank) if rank else ""
    agency = city = state = ""
    institution = ""
    unit_on_title_line = ""  # "Director, Crisis Services": a unit unless nothing better comes
    for line in lines[start:]:
        segments = _segments(line)
        title_line = False
        previous = ""
        for segment in segments:
            if (
                not title
                and _is_title(segment)
                and (not _is_agency(segment) or _title_first(segment))
            ):
                title = expand_title(segment)
                title_line = True
                continue
            if _is_agency(segment) and not agency:
                if title_line and (not _STRONG_AGENCY.search(segment) or _generic_name(segment)):
                    # "Nurse Manager, Emergency Department": the hospital comes below
                    unit_on_title_line = unit_on_title_line or segment
                    continue
                found_agency, hint = normalize_agency(segment)
                agency = found_agency
                state = state or normalize_state(hint)
                continue
            if not agency and _UNIVERSITY.search(segment):
                institution = segment
            if not city:
                c, s = _address(segment)
                if previous and normalize_state(segment) and _place_name(previous):
                    # "Troy, Alabama, (334) ...", "Charleston, West Virginia"
                    city, state = previous, normalize_state(segment)
                elif c:
                    city, state = c, s
            previous = segment
        if not city:
            c, s = _address(line)
            if c:
                city, state = c, s
    if not title and name:
        # "Director, Emergency Communications" above the name line
        for line in lines[: max(start - 1, 0)]:
            segments = _segments(line)
            if segments and _is_title(segments[0]) and not _is_agency(segments[0]):
                title = expand_title(segments[0])
                break
    # "WVU POLICE" beside "Wabash Valley University Police Department": the name in full
    agency = _named_in_full(agency, lines[start:]) or agency
    # "City of Brookhaven | Office of Community Safety": the city's office that wrote
    agency = _office_beside(lines[start:], agency) or agency
    if not agency and unit_on_title_line:
        agency, hint = normalize_agency(unit_on_title_line)
        state = state or normalize_state(hint)
    if not agency and _GOVERNMENT_TITLE.search(title):
        # "County Manager, Silver Basin County": the county is the agency
        for line in lines[start:]:
            for segment in _segments(line):
                if _COUNTY.match(segment) or _AGENCY_LEAD.match(segment):
                    agency = segment
                    break
            if agency:
                break
    if not agency and re.search(r"\bsheriff\b", title, re.I):
        # "Sheriff, Calhoun County": the county names the sheriff's office.
        for line in lines[start:]:
            for segment in _segments(line):
                county = _PARENTHESES.sub("", segment).strip()
                if _COUNTY.match(county):
                    agency = f"{county} Sheriff's Office"
                    break
            if agency:
                break
    if not agency and title and not re.search(r"\bsheriff\b", title, re.I):
        # "Grants Manager" over "Doña Ana County, New Mexico": the county government
        for line in lines[start:]:
            segments = _segments(line)
            if segments and _COUNTY.match(segments[0]):
                agency = segments[0]
                if len(segments) > 1:
                    state = state or normalize_state(segments[1])
                break
    if not city:
        # "Pike County (Bowling Green, Mo.)"
        for line in lines[start:]:
            place = _PLACE_IN_BRACKETS.search(line)
            if place and normalize_state(place["state"]):
                city, state = place["city"], state or normalize_state(place["state"])
                break
    if agency and institution and _UNIT_OF.match(agency):
        agency = f"{institution} {agency}"
    elif (
        agency
        and (_DEPARTMENT_OF.match(agency) or _generic_name(agency))
        and (organisation := _organisation_below(lines[start:], agency))
    ):
        # "Department of Care Management" above "St. Brendan Regional Medical Center", "Office
        # of the Honorable ..." above "Harmon County Circuit Court": the organisation
        agency = organisation
    elif (
        agency
        and (_DEPARTMENT_OF.match(agency) or _generic_name(agency))
        and (department := _police_below(lines[start:]))
    ):
        # "Office of the Chief of Police" or "Support Services" above "Chattanooga Police
        # Department": the department is the agency
        agency = department
    elif agency and (_DEPARTMENT_OF.match(agency) or _generic_name(agency)):
        for line in lines[start:]:
            for segment in _segments(line):
                whole = _UNIVERSITY.search(segment) or _AGENCY_LEAD.match(segment)
                named = not any(ch.isdigit() for ch in segment)  # not "12 College Street"
                same = segment == agency or normalize_agency(segment)[0] == agency
                if (whole or _COUNTY.match(segment)) and not same and named:
                    # "City of Tacoma Office of Behavioral Health",
                    # "Washtenaw County Office of the County Administrator",
                    # "Valdosta State University" + "University Police (Department)";
                    # but "Office of the Mayor, City of Lindell" as one line is kept as written
                    if _written_after(lines[start:], agency, segment) and not _UNIVERSITY.search(
                        segment
                    ):
                        agency = f"{agency}, {segment}"
                    else:
                        agency = _DOUBLED_CAMPUS.sub(r"\1 ", f"{segment} {agency}")
                    break
            else:
                continue
            break
        else:
            # "Division of Behavioral Health" above "Missouri Department of Mental Health": a
            # unit that names no place, above the organisation it belongs to
            parent = _named_agency_below(lines[start:], agency)
            agency = parent or agency
    if (
        agency
        and title in _SWORN_RANKS
        and not _POLICE_OR_SHERIFF.search(agency)
        and (department := _police_below(lines[start:]))
    ):
        # "Insp." over "Community Mobilization & Mental Health" over "Greater Sudbury Police
        # Service": a sworn rank serves the police service, not the portfolio above it
        agency = department
    phone = ""
    for line in lines[start:] or lines:
        phone = _phone(line)
        if phone:
            break
    email = ""
    for line in lines:
        found_email = _EMAIL.search(line)
        if found_email:
            email = found_email.group(0).lower()
            break
    return SignatureFacts(name, title, agency, city, state, phone, email)


def _written_after(lines: Sequence[str], first: str, then: str) -> bool:
    """Whether one line names `first` and, after it, `then` ("Office of the Mayor, City of X")."""
    for line in lines:
        at = line.find(first)
        if at >= 0 and line.find(then, at + len(first)) >= 0:
            return True
    return False


def _office_beside(lines: Sequence[str], agency: str) -> str:
    """'City of Brookhaven' over or beside 'Office of Community Safety' -> the office in full."""
    if not (_AGENCY_LEAD.match(agency) or _COUNTY.match(agency)):
        return ""
    parts = [segment for line in lines for segment in _segments(line)]
    for before, after in itertools.pairwise(parts):
        if normalize_agency(before)[0] == agency and _DEPARTMENT_OF_NAME.match(after):
            return f"{agency} {after}"
    return ""


def _initials(words: Sequence[str]) -> str:
    return "".join(word[0] for word in words if word).upper()


def _named_in_full(agency: str, lines: Sequence[str]) -> str:
    """The agency a signature also names in full when `agency` opens with its acronym, or ''."""
    acronym = agency.split()[0] if agency else ""
    if not _is_acronym(acronym):
        return ""
    for line in lines:
        for segment in _segments(line):
            full = normalize_agency(segment)[0]
            capitalised = [word for word in full.split() if word[:1].isupper()]
            if (
                full != agency
                and _is_agency(segment)
                and _initials(capitalised).startswith(acronym)
            ):
                return full
    return ""


_ORGANISATION = re.compile(
    r"\b(?:hospital|medical center|medical centre|health system|court|clinic|health center)$", re.I
)


def _organisation_below(lines: Sequence[str], unit: str) -> str:
    """A hospital, court or clinic a signature names below a unit of it, or ''."""
    below = False
    for line in lines:
        for segment in _segments(line):
            if segment == unit:
                below = True
            elif below and _ORGANISATION.search(segment) and _is_agency(segment):
                return normalize_agency(segment)[0]
    return ""


# "Pennsylvania Commission on Crime and Delinquency", "Governor's Council for ..."
_ORG_ON = re.compile(
    r"^[A-Z][\w.'&-]*(?:\s+[A-Z][\w.'&-]*)*\s+(?:Commission|Council|Board|Committee|Authority|"
    r"Bureau|Agency|Institute)\s+(?:on|of|for)\s+[A-Z]"
)


def _named_agency_below(lines: Sequence[str], unit: str) -> str:
    """The first agency a signature names below a unit, when it has a name of its own."""
    below = False
    for line in lines:
        for segment in _segments(line):
            if segment == unit or normalize_agency(segment)[0] == unit:
                below = True
            elif (
                below
                and (_is_agency(segment) or _ORG_ON.search(segment))
                and not (_generic_name(segment) or _is_title(segment))
            ):
                return normalize_agency(segment)[0]
    return ""


def _police_below(lines: Sequence[str]) -> str:
    """The police department or sheriff's office a signature names, in full, or ''."""
    for line in lines:
        for segment in _segments(line):
            full = normalize_agency(segment)[0]  # "Vista Mar PD" is a police department
            police = _POLICE_OR_SHERIFF.search(full) and _is_agency(segment)
            if police and not _DEPARTMENT_OF.match(segment) and not _generic_name(full):
                return full
    return ""


def _names_agree(a: str, b: str) -> bool:
    fa, fb = fold(a).replace(".", "").split(), fold(b).replace(".", "").split()
    if not fa or not fb:
        return False
    last_a, last_b = fa[-1], fb[-1]
    if last_a == last_b:
        return True
    if len(last_a) == 1 and last_b.startswith(last_a) and fa[0] == fb[0]:
        return True
    return len(last_b) == 1 and last_a.startswith(last_b) and fa[0] == fb[0]


def choose_name(signature_name: str, header_name: str) -> str:
    """The fuller of two spellings of the same person; the signature when they differ."""
    if signature_name and header_name and _names_agree(signature_name, header_name):
        return max((signature_name, header_name), key=lambda n: (len(n.replace(".", "")), n))
    return signature_name or header_name


def _campus_agency(agency: str, title: str) -> str:
    """A college named by its 'Director of Public Safety' -> its public safety department."""
    if not _UNIVERSITY.search(agency) or re.search(r"police|safety|security", agency, re.I):
        return agency
    if re.search(r"\bof public safety\b", title, re.I):
        return f"{agency} Department of Public Safety"
    if re.search(r"\bchief of (?:university |campus )?police\b", title, re.I):
        return f"{agency} Police Department"
    return agency


def _city_from_agency(agency: str, regions: Sequence[str] = ()) -> str:
    """'Beaumont Police Department' -> 'Beaumont', when the gazetteer knows such a city."""
    city = _place_in_agency_name(agency)
    geo = _geo()
    if not city or geo is None:
        return city
    for region in regions or ("",):
        place = geo.default_gazetteer().locate(city, region)  # type: ignore[attr-defined]
        if place is not None and place.precision == "city":
            return city
    # The gazetteer lacks many small towns; a name made of unit words is no town at all.
    words = {w.lower().strip(".,'") for w in city.split()}
    return "" if words & _NOT_PLACE_WORDS else city


def _place_in_agency_name(agency: str) -> str:
    french = _FRENCH_POLICE_OF.match(agency)
    if french:
        return french["place"]
    match = re.match(
        r"^(?:(?i:city|town|village) of |Metro(?:politan)? )?(?P<place>[A-Z][\w.' -]+?)\s+"
        r"(?:Regional\s+|Division of\s+)?"
        r"(?:Police|Public Safety|Fire|Department|Sheriff|Emergency Communications?|"
        r"Communications? District|911|E-911|City Council|City Hall|Mayor's Office)",
        agency,
    )
    if (
        match
        and not re.search(
            r"county|\bco\b|university|college|state|regional|parish", match.group("place"), re.I
        )
        and not normalize_state(match.group("place"))  # "Hawaii Police Department": a county's
    ):
        return match.group("place")
    match = re.match(r"^(?:City|Town|Village) of (?P<place>[A-Z][\w.' -]+)$", agency)
    if not match:
        return ""
    # "City of Tacoma Office of Behavioral Health" -> "Tacoma"
    return re.split(
        r"\s+(?:Office|Department|Division|Bureau|Program|Police|Fire)\b", match["place"]
    )[0]


def _body_title_agency(body: str) -> tuple[str, str]:
    introduced = _THIS_IS.search(body[:1500])
    if introduced:
        return expand_title(introduced.group("rank")), normalize_agency(introduced["agency"])[0]
    match = _INTRO.search(body[:3000])
    if not match:
        return "", ""
    words = match.group("title").split()
    title = ""
    if any(w.lower() in _TITLE_WORDS for w in words) and len(words) <= 5:
        title = " ".join(w if w.isupper() else w.capitalize() for w in words)
    return title, normalize_agency(match.group("agency"))[0]


# Informal self-introductions, typed fast and often in lower case: "im a sgt with Northfield
# State Univ PD here in northfield ohio", "deputy w/ tanner county SO in missouri",
# "Lt Morales, Copper Springs PD (NV)". Only police and sheriff agencies: their unit word
# (PD, SO, Police, Sheriff's Office) marks where the name ends even without capitals.
_INTRO_STOP = (
    r"(?:i|im|i'm|i’m|a|an|the|with|at|for|from|of|in|on|w|here|our|my|we|were|we're|and|"
    r"to|is|am|as|by|this|that|me|us|hi|hey|hello|team|unit|office|small|rural|local|"
    r"sworn|new|work|works|working|serve|assigned|over|patrol)"
)
_INFORMAL_AGENCY = (
    rf"(?P<agency>(?:\b(?!{_INTRO_STOP}\b)[A-Za-z][\w.'&-]*\s+){{1,5}}?"
    r"(?:PD|SO|(?i:police department|police dept\.?|police service|police|sheriff'?s office|"
    r"sheriff'?s dept\.?|sheriff'?s department)))(?![\w'])"
)
_INFORMAL_PLACE = (
    r"(?:\s*\((?P<paren>[A-Za-z .]{2,20})\)|,\s*(?P<code>[A-Z]{2})\b"
    r"|,?\s+(?:(?i:here|out|up|down|over)\s+)?(?i:in|of)\s+(?P<place>[A-Za-z][A-Za-z .'-]{1,40}?)"
    r"(?=\s*(?:[.,;:!?)\n]|-\s|$)|\s+(?i:and|we|but|with|so|who|where|that)\b))?"
)
_INFORMAL_INTRO = re.compile(
    r"(?:\b(?i:i'?m|i’m|im|i am|this is)\b(?P<said>[^.!?\n]{0,80}?)"
    r"|(?:^|\n|[-–—:,]\s+)(?P<rank>(?i:chief deputy|deputy chief|sgt|sergeant|lt|lieutenant|capt|"
    r"captain|cpl|corporal|ofc|officer|det|detective|deputy|dep|chief|sheriff|trooper|"
    r"patrol officer))\.?(?P<who>(?:\s+[A-Z][\w'\-]+){0,3}),?"
    # a sign-off: "Dan - Bristol PD, VT", "... start something. - Marcus Lee, Ayden PD (NC)"
    r"|(?:^|\n)(?P<signer>[A-Z][\w'\-]+(?:\s[A-Z][\w'\-]+)?)\s+[-–—|]\s+"
    r"|(?:^|\s)[-–—]\s*(?!(?i:chief|sgt|sergeant|lt|lieutenant|capt|captain|cpl|corporal|ofc|"
    r"officer|det|detective|deputy|dep|sheriff|trooper)\b)"
    r"(?P<dashed>[A-Z][\w'\-]+\s[A-Z][\w'\-]+),\s*)"
    r"\s*(?:(?i:with|at|for|from|of|w/|on)\s+)?(?:the\s+)?" + _INFORMAL_AGENCY + _INFORMAL_PLACE
)
# "I'm hoping to visit Tucson PD", "I talked to Houston PD": someone else's agency.
_NOT_OWN_AGENCY = re.compile(
    r"\b(?:spoke|talk(?:ed|ing)?|call(?:ed|ing)?|emailed|heard|contact(?:ed|ing)?|reach(?:ed|ing)?|"
    r"visit(?:ed|ing)?|looking|hoping|going|trying|planning|writing|asking|interested|wondering|"
    r"learn(?:ed|ing)?|see|about)\b",
    re.IGNORECASE,
)
_REGION_WORDS = {
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
    "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
    "southeastern", "southwestern", "upstate", "downstate", "rural", "greater", "metro",
    "coastal", "the", "upper", "lower", "mid", "middle", "far",
}  # fmt: skip
_GREETINGS = {"hi", "hello", "hey", "dear", "good", "morning", "thanks", "thank", "greetings"}
_UNIT_WORD = re.compile(r"\b(?:PD|SO|(?i:police|sheriff))\b")
# Lower-case words that look like state codes but are common words ("in", "me", "or").
_WORDLIKE_CODES = {
    "in", "me", "or", "oh", "hi", "ok", "id", "la", "ma", "pa", "de", "co", "al", "on",
}  # fmt: skip


@dataclass(frozen=True)
class Introduction:
    """What a writer's own opening line says about them."""

    title: str = ""
    agency: str = ""
    city: str = ""
    state: str = ""


def _capitalize_words(text: str) -> str:
    """'tanner county SO' -> 'Tanner County SO'; 'Univ' and 'Co' written out."""
    words = []
    for word in text.split():
        bare = word.lower().rstrip(".")
        if bare in {"univ", "u"}:
            words.append("University")
        elif word.isupper() or not word[:1].islower():
            words.append(word)
        else:
            words.append(word[:1].upper() + word[1:])
    return " ".join(words)


def _split_place(place: str) -> tuple[str, str]:
    """'northfield ohio' -> ('Northfield', 'OH'); 'missouri' -> ('', 'MO'); 'NM' -> ('', 'NM')."""
    words = place.strip(" .").split()
    for size in (2, 1):
        if len(words) < size:
            continue
        tail = " ".join(words[-size:])
        if tail in _WORDLIKE_CODES:  # lower case only: "IN" and "OR" are states
            continue
        state = normalize_state(tail)
        if state:
            # "in southern Oregon", "in rural west Texas": a region, not a city
            city_words = [w for w in words[:-size] if w.lower() not in _REGION_WORDS]
            city = " ".join(city_words) if len(city_words) == len(words) - size else ""
            return (_capitalize_words(city) if city else ""), state
    return "", ""


def _informal_title(text: str) -> str:
    """The rank or title in 'a patrol officer', 'corporal on the co-responder team', 'sgt'."""
    words = [w.strip(".,").lower() for w in text.split()]
    for size in (2, 1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            if phrase in _RANK_WORDS:
                return _RANK_WORDS[phrase]
    return ""


# "im the sheriff up here in fergus county montana", "This is Gary Lindqvist, chief of police in
# Two Harbors, MN": the head of an agency named by its place alone.
_HEAD_OF_PLACE = re.compile(
    r"(?:\b(?i:i'?m|i’m|im|i am)|,)\s+(?:(?i:the)\s+)?"
    r"(?P<rank>(?i:chief of police|police chief|sheriff))\s+"
    r"(?:(?i:up|down|out|over)\s+)?(?:(?i:here)\s+)?(?i:in|of|for)\s+"
    r"(?P<place>[A-Za-z][A-Za-z.'-]*(?:\s+[A-Za-z][A-Za-z.'-]*){0,3}?)"
    r"(?:,\s*(?P<state>[A-Za-z]{2}\b|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))?"
    r"(?=\s*[.;:!?\n,]|\s+(?i:and|we|but|with|so)\b)"
)
_NAME_IS = re.compile(
    r"\b(?i:my name is|name is|name's)\s+(?P<name>[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){1,2})"
)


_RANK_FROM_PLACE = re.compile(
    r"(?:^|[-\u2013\u2014,:]\s)\s*(?P<rank>Chief|Sheriff)\s+[A-Z][\w'\-]+\s+(?:from|with|of)\s+"
    r"(?P<place>[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){0,3}?),?\s+(?P<state>[A-Z]{2})\b"
    r"(?=\s*[.;:!?\n,])",
    re.MULTILINE,
)


def _head_of_place(body: str) -> Introduction:
    """'im the sheriff up here in fergus county montana' -> Sheriff, Fergus County Sheriff's
    Office, MT; 'chief of police in Two Harbors, MN' -> Two Harbors Police Department;
    'Hi - Chief Gendron from Wolcott Notch NH.' -> Chief, Wolcott Notch Police Department."""
    named = _RANK_FROM_PLACE.search(body[:600])
    if named is not None and normalize_state(named["state"]):
        rank, place = named["rank"].lower(), named["place"]
        if rank == "sheriff" or not _COUNTY_OR_PARISH.search(place):
            found = _head_of(rank, "Chief", place, normalize_state(named["state"]))
            if found.agency:
                return found
    match = _HEAD_OF_PLACE.search(body[:1500])
    if match is None:
        return Introduction()
    place, state = match["place"], normalize_state(match["state"] or "")
    city, named_state = _split_place(place)
    if named_state:
        place, state = city, state or named_state
    place = _capitalize_words(place)
    if not place:
        return Introduction()
    return _head_of(match["rank"].lower(), "Chief of Police", place, state)


_COUNTY_OR_PARISH = re.compile(r"\b(?:county|parish)$", re.IGNORECASE)


def _head_of(rank: str, chief_title: str, place: str, state: str) -> Introduction:
    """A sheriff heads a county's sheriff's office, a chief a town's police department."""
    if rank == "sheriff":
        if not _COUNTY_OR_PARISH.search(place):
            return Introduction()  # "the sheriff in Lewistown" names a town, not the county
        return Introduction("Sheriff", f"{place} Sheriff's Office", "", state)
    return Introduction(chief_title, f"{place} Police Department", place, state)


def self_introduction(body: str) -> Introduction:
    """The writer's rank, agency and place from an informal opening ('deputy w/ tanner county
    SO in missouri'); empty when the opening introduces nobody."""
    opening_and_close = body[:1500] + ("\n" + body[-300:] if len(body) > 1500 else "")
    # Only around a police or sheriff's unit word: the introduction ends with one.
    for unit in _UNIT_WORD.finditer(opening_and_close):
        match = next(
            (
                found
                for found in _INFORMAL_INTRO.finditer(
                    opening_and_close, max(0, unit.start() - 200), unit.end() + 80
                )
                if found.start("agency") <= unit.start() < found.end("agency")
            ),
            None,
        )
        if match is None:
            continue
        signer = match.group("signer")
        if signer is not None and (
            signer.lower() in _GREETINGS
            or opening_and_close[match.end() :].split("\n", 1)[0].strip(" .,;")
        ):
            continue  # "Hi - does Madison PD have ...": a sign-off ends its line
        said = match.group("said")
        if said is not None and _NOT_OWN_AGENCY.search(said):
            continue  # "I'm hoping to talk to someone at Tucson PD" names another agency
        # "the executive assistant to Chief Lyle of ...": a rank after "to" is someone else's
        own_words = re.split(r"\b(?:to|for|of|on|with|at)\b", said or "")[0]
        title = _informal_title(match.group("rank") or own_words)
        agency = normalize_agency(_capitalize_words(match.group("agency")))[0]
        city, state = "", ""
        if match.group("paren") or match.group("code"):
            state = normalize_state(match.group("paren") or match.group("code"))
        elif match.group("place"):
            city, state = _split_place(match.group("place"))
        return Introduction(title=title, agency=agency, city=city, state=state)
    return _head_of_place(opening_and_close)


_UNIT_SUFFIXES = (
    ("countyso", "County Sheriff's Office"),
    ("countysheriff", "County Sheriff's Office"),
    ("sheriff", "Sheriff's Office"),
    ("police", "Police Department"),
    ("pd", "Police Department"),
    ("so", "Sheriff's Office"),
)


def _spelled_by(stem: str, words: Sequence[str]) -> tuple[int, int] | None:
    """[start, end) of up to four words that, run together, spell `stem` ("cedar" "bluff")."""
    for start in range(len(words)):
        joined = ""
        for end in range(start, min(start + 4, len(words))):
            joined += words[end]
            if joined == stem:
                return start, end + 1
            if not stem.startswith(joined):
                break
    return None


def agency_from_domain(address: str, text: str) -> str:
    """'mtran@cedarbluffpd.example.gov' and '... in cedar bluff va' -> 'Cedar Bluff Police
    Department': a police or sheriff's domain, spelled as words the email itself uses."""
    words = re.sub(r"[^a-z]+", " ", fold(text)).split()
    for label in _domain(address).split(".")[:-1]:
        label = label.replace("-", "")
        for suffix, unit in _UNIT_SUFFIXES:
            stem = label[: -len(suffix)] if label.endswith(suffix) else ""
            span = _spelled_by(stem, words) if len(stem) >= 3 else None
            if span is None:
                continue
            place = _capitalize_words(" ".join(words[span[0] : span[1]]))
            # a sheriff serves a county: "shelbyridgeso" and "Shelby Ridge County"
            county = suffix.startswith("county") or (
                "Sheriff" in unit and words[span[1] : span[1] + 1] == ["county"]
            )
            return f"{place}{' County' if county else ''} {unit.removeprefix('County ')}"
    return ""


def _state_in_domain(address: str, city: str) -> str:
    """'rtillman@sweetwatercrossingmt.example.gov' and the city Sweetwater Crossing -> 'MT'."""
    label = _domain(address).split(".")[0].replace("-", "")
    place = re.sub(r"[^a-z]", "", fold(city))
    if len(label) != len(place) + 2 or not place or not label.startswith(place):
        return ""
    return normalize_state(label[-2:].upper())


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _is_acronym(word: str) -> bool:
    return word.isupper() and word.isalpha() and 2 <= len(word) <= 6


def _spelled_out(short: str, full: str) -> bool:
    """'NSU Police Department' is 'Northfield State University Police Department' abbreviated,
    and 'Cypress Bend ISD Police' is 'Cypress Bend Independent School District Police'."""
    if not short or not full or short == full:
        return False
    words, full_words = short.split(), full.split()
    for at, acronym in enumerate(words):
        if not _is_acronym(acronym):
            continue
        before, after = words[:at], words[at + 1 :]
        if full_words[: len(before)] != before or (after and full_words[-len(after) :] != after):
            continue
        middle = full_words[len(before) : len(full_words) - len(after)]
        if _initials(middle) == acronym:
            return True
    return False


def _state_near_city(city: str, body: str) -> str:
    """'... in Harlan, Kentucky ...', '... in cedar bluff va' -> the state of the city found."""
    pattern = rf"(?i:\b{re.escape(city)}),?\s+(?P<next>[A-Za-z]+(?:\s[A-Za-z]+)?)"
    for match in re.finditer(pattern, body[:5000]):
        words = match.group("next").split()
        for size in (2, 1):
            candidate = " ".join(words[:size])
            if len(words) < size or candidate in _WORDLIKE_CODES:
                continue
            if len(candidate) > 2 and not candidate[:1].isupper() and size == 2:
                continue
            state = normalize_state(candidate)
            if state:
                return state
    return ""


def _body_city(body: str, regions: Sequence[str]) -> tuple[str, str]:
    """(city, state) of a place the writer says they are in: written with its state ("based in
    Elk River Falls, Idaho"), or known to the gazetteer in the writer's state."""
    for paragraph in _PARAGRAPH_SPLIT.split(body[:3000]):
        for match in _PLACE_WITH_STATE.finditer(paragraph):
            if not _FIRST_PERSON.search(paragraph[max(0, match.start() - 120) : match.start()]):
                continue
            state = normalize_state(match.group("state"))
            if state and not _NOT_PLACE_WORDS & {w.lower() for w in match["place"].split()}:
                return match.group("place"), state
    for line in body[:600].split("\n")[:8]:
        # a letterhead: "215 Courthouse Square / Linden Falls, Iowa 50299"
        city, state = _address(line)
        if city and state and re.search(r"\d{5}\s*$", line):
            return city, state
    home = _HOME_PLACE.search(body[:3000])
    if home and regions and normalize_state(home["place"]) == "":
        return home["place"], regions[0]
    geo = _geo()
    if geo is None or not regions:
        return "", ""
    for paragraph in _PARAGRAPH_SPLIT.split(body[:3000]):
        for match in _PLACE_IN_TEXT.finditer(paragraph):
            # The writer's own words lead up to it ("I manage the ED at St. Brendan ... in
            # Dubuque"); a sentence split at "St." must not hide them.
            if not _FIRST_PERSON.search(paragraph[max(0, match.start() - 120) : match.start()]):
                continue
            place_name = match.group("place")
            for region in regions:
                place = geo.default_gazetteer().locate(place_name, region)  # type: ignore[attr-defined]
                if place is not None and place.precision == "city":
                    return place_name, region
    return "", ""


def _closing_rank(body: str, name: str) -> str:
    """A message that ends "Chief Dawson" (no signature block, or only a phone under it): the
    writer's rank."""
    lines = [line.strip() for line in body.strip().split("\n") if line.strip()]
    while lines and _phone(lines[-1]) and not re.search(r"[A-Za-z]{4}", lines[-1]):
        lines.pop()  # "Sheriff Hutchins" over "573-555-0118"
    match = _RANK_SURNAME.match(lines[-1]) if lines else None
    if match is None or not name or not _names_agree(match["surname"], name):
        return ""
    return expand_title(match["rank"])


def _own_title(body: str) -> str:
    """'as the jail mental health coordinator', "I'm the new chief in Harlan" -> the title."""
    match = _OWN_TITLE.search(body[:1500])
    if not match:
        return ""
    words = match.group("title").split()
    if not any(w.lower() in _TITLE_WORDS for w in words):
        return ""
    return " ".join(w if w.isupper() or w[:1].isdigit() else w.capitalize() for w in words)


def _body_state(body: str, agency: str) -> str:
    """'... Police Department in Delaware' -> 'DE'."""
    for match in _AGENCY_IN_TEXT.finditer(body[:3000]):
        if match.group("state") and (not agency or fold(match.group("agency")) in fold(agency)):
            state = normalize_state(match.group("state"))
            if state:
                return state
    return ""


_SELF_INTRODUCED = re.compile(
    r"\b(?:I'm|I\u2019m|I am|this is|my name is)\s+(?:the\s+|a\s+|an\s+)?(?:[\w.\-]+\s+){0,4}"
    r"(?:for|with|at|of)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Principal:
    """A person named as the real requester of mail written for them."""

    name: str
    title: str
    agency: str


def on_behalf(body: str) -> Principal | None:
    """'I am writing on behalf of Dr. Ines Varga, Deputy Commissioner of ...' -> the principal."""
    match = _ON_BEHALF.search(body[:3000]) if "behalf" in body[:3000] else None
    assistant = (
        _ASSISTANT_FOR.search(body[:3000]) if not match and "behalf" in body[:3000] else None
    )
    if assistant is not None:
        honorific = assistant["honorific"]
        title = " ".join(w if w == "of" else w.capitalize() for w in honorific.lower().split())
        return Principal(name=assistant["name"], title=expand_title(title), agency="")
    if not match:
        asked = _ASKED_ME.search(body[:3000]) if "asked me" in body[:3000] else None
        if asked is None or _SELF_INTRODUCED.search(body[: asked.start()]):
            # "I'm the crime analyst here. Chief Benning asked me to reach out because I pulled
            # the numbers": a writer who first says who they are asks in their own name
            return None
        # "Chief Lamar Whitcomb asked me to contact you on his behalf", "Sheriff Prentice asked
        # me to send this along" (the full name is often under the assistant's own title)
        honorific = asked.group("honorific")
        name = asked.group("name")
        if " " not in name:
            full = re.search(
                rf"\b(?i:{re.escape(honorific)})\s+(?P<full>(?:[A-Z][\w'.\-]+\s+){{1,2}}"
                rf"{re.escape(name)})\b",
                body,
            )
            name = full["full"] if full else name
        return Principal(name=name, title=expand_title(honorific.capitalize()), agency="")
    name = match.group("name").strip()
    words = {w.lower() for w in name.split()}
    if words & _ORG_WORDS or words & _TITLE_WORDS:
        return None
    title = agency = ""
    rest = re.sub(r"\.\s.*$|\.$", "", match.group("rest") or "")
    # "Chief of Police of the Elm Ridge Police Department": split at an "of/for/at/with" that
    # leaves a title on the left and an agency on the right, preferring one before "the".
    splits = sorted(
        re.finditer(r"\s+(?:of|for|at|with)\s+(?:the\s+)?", rest),
        key=lambda m: (not m.group(0).rstrip().endswith("the"), m.start()),
    )
    for split in splits:
        left, right = rest[: split.start()], rest[split.end() :]
        if _is_title(left) and _is_agency(normalize_agency(right)[0]):
            title, agency = expand_title(left), normalize_agency(right)[0]
            break
    else:
        if _is_title(rest):
            title = expand_title(rest)
    honorific = (match.group("honorific") or "").lower()
    if not title and honorific not in {"", "dr", "mr", "mrs", "ms"}:
        # "on behalf of Sheriff Wade Holloway", "... of Chief of Police Stephen Alvarez"
        title = expand_title(
            " ".join(w if w == "of" else w.capitalize() for w in honorific.split())
        )
    return Principal(name=name, title=title, agency=agency)


def _email_for(name: str, body: str, fallback: str) -> str:
    last = fold(name).split()[-1] if name.split() else ""
    for match in _EMAIL.finditer(body[:5000]):
        if last and last in match.group(0).lower():
            return match.group(0).lower()
    return fallback


def _phone_near(name: str, body: str) -> str:
    """A phone number in the sentence, else the paragraph, that names the person (by last
    name, or by title: "The Sheriff can be reached directly at ...")."""
    last = name.split()[-1] if name.split() else ""
    if not last:
        return ""
    paragraphs = _PARAGRAPH_SPLIT.split(body[:5000])
    for sentence in _SENTENCE_SPLIT.split(body[:5000]):
        if last in sentence:
            phone = _phone(sentence)
            if phone:
                return phone
    for paragraph in paragraphs:
        if last in paragraph:
            phone = _phone(paragraph)
            if phone:
                return phone
    return ""


_THEIR_PHONE = re.compile(
    r"\b(?:his|her)\s+(?:direct\s+line|office\s+(?:line|number|phone)|cell(?:\s+phone)?|mobile|"
    r"number|phone|desk)\b"
    r"|\b(?:he|she)\s+can\s+(?:also\s+)?be\s+reached\b",
    re.IGNORECASE,
)


def _phone_by_pronoun(text: str) -> str:
    """'His direct line is 912-555-0170': the principal's number, told by pronoun."""
    for sentence in _SENTENCE_SPLIT.split(text[:5000]):
        if _THEIR_PHONE.search(sentence):
            phone = _phone(sentence)
            if phone:
                return phone
    return ""


def forwarded_original(clean: CleanText) -> QuotedMessage | None:
    """The forwarded message whose sender is the real requester: the forwarder adds little,
    or hands the sender over ("passing it along", "please reply to him directly")."""
    if not clean.forwarded or not clean.quoted:
        return None
    words = _WORDS.findall(clean.body)
    if len(words) > MAX_HANDOFF_WORDS or (
        len(words) > MAX_BARE_FORWARD_WORDS and not _HANDOFF.search(clean.body)
    ):
        return None  # the forwarder writes their own request and forwards context
    original = clean.quoted[0]
    return original if original.from_addr else None


def extract_requester(email: EmailLike, clean: CleanText) -> Requester:
    """The requester, from the forwarded original, a principal named in the body, or the sender."""
    header_name = display_name(email.from_name)
    address = email.from_addr.lower()
    if _GENERIC_LOCALPART.match(address) and email.reply_to_addr:
        address = email.reply_to_addr.lower()
    signature = clean.signature
    body = clean.body
    original = forwarded_original(clean)
    if original is not None:
        header_name = display_name(original.from_name)
        address = original.from_addr
        signature = quoted_signature(original)
        body = original.text
    facts = read_signature(signature, header_name)
    name = choose_name(facts.name, header_name)
    if not name and (introduced := _NAME_IS.search(body[:1500])):
        name = introduced["name"]  # "name is Wade Halvorsen" from an office mailbox
    title, agency = facts.title, facts.agency
    body_title, body_agency = _body_title_agency(body)
    acronym = any(_is_acronym(word) for word in agency.split())
    # (the opening is read only when the signature leaves something to find or abbreviates)
    intro = self_introduction(body) if not (title and agency) or acronym else Introduction()
    if _spelled_out(agency, intro.agency):
        agency = intro.agency  # "NSU Police" signs a "Northfield State Univ PD" introduction
    title = title or body_title or intro.title or _own_title(body) or _closing_rank(body, name)
    if agency and (_generic_name(agency) or _DEPARTMENT_OF.match(agency)):
        # "Office of the Chief of Police" signs mail that names "the Roanoke Rapids Police
        # Department" in its first lines
        agency = body_agency or intro.agency or agency
    agency = agency or body_agency or intro.agency or normalize_agency(own_agency(body))[0]
    agency = agency or agency_from_domain(address, f"{body}\n{' '.join(signature)}")
    city, state, phone = facts.city, facts.state, facts.phone
    if original is not None and _domain(original.from_addr) == _domain(email.from_addr):
        # A colleague forwarding for the writer (the chief's assistant) signs for the same
        # agency, often with the office line the writer left out.
        colleague = read_signature(clean.signature, display_name(email.from_name))
        agency = agency or colleague.agency
        city, state = (city, state) if city else (colleague.city, state or colleague.state)
        phone = phone or colleague.phone
    if agency and agency == intro.agency:
        city, state = city or intro.city, state or intro.state

    # Earlier messages from the same person, quoted below, often carry the full signature.
    if original is None and not (city and state and phone and agency and title):
        for quoted in clean.quoted:
            if quoted.from_addr and quoted.from_addr != address:
                continue
            old = read_signature(quoted_signature(quoted), header_name)
            # "On Monday, Marcus wrote:" may name no address; the signature names the writer
            if quoted.from_addr or (old.name and name and _names_agree(old.name, name)):
                title, agency = title or old.title, agency or old.agency
                if not (title and agency):
                    # their first email's opening: "I'm a grant writer for the City of ..."
                    old_title, old_agency = _body_title_agency(quoted.text)
                    old_intro = self_introduction(quoted.text)
                    title = title or old_title or old_intro.title
                    agency = (
                        agency
                        or old_agency
                        or old_intro.agency
                        or agency_from_domain(address, quoted.text)
                    )
                if not city and old.city:
                    city, state = old.city, old.state or state
                state = state or old.state
                phone = phone or old.phone
                break

    signed = "\n".join((body, *signature))  # the assistant's title may name the principal
    principal = on_behalf(signed) if original is None else None
    principal_text = body
    if principal is None and original is None:
        # A reply from an assistant: their own first message, quoted below, said for whom.
        for quoted in clean.quoted:
            if quoted.from_addr.lower() == address:
                principal = on_behalf(quoted.text)
                principal_text = quoted.text
                break
    if principal is not None and title in _SWORN_RANKS:
        # "On behalf of Chief of Police Gerald T. Winslow and the Operations Division", signed
        # by a deputy chief: an officer speaking for the department asks in their own name
        principal = None
    if principal is not None:
        # The principal is often copied: "Cc: Sheriff Wade Holloway <wholloway@...>".
        copied = email.headers.get("cc", "")
        principal_address = _email_for(principal.name, f"{principal_text}\n{copied}", "")
        principal_phone = (
            _phone_near(principal.name, principal_text)
            or _phone_near(principal.title, principal_text)
            or _phone_by_pronoun(principal_text)
        )
        # Staff answer whoever the email tells them to reach: the principal when it gives a
        # way to reach them, else the assistant who wrote ("please let me know what you need").
        if principal_address or principal_phone:
            name = principal.name
            title = principal.title or ""
            agency = principal.agency or agency
            address = principal_address or address
            phone = principal_phone or phone

    if not phone and original is None:
        # "My number is 612 555 0190": its area code also helps place the writer
        phone = _phone_near(name, body) if name else ""
        phone = phone or _phone(body[-1500:])
    if not agency and re.search(r"chief of police|police chief", title, re.I) and city:
        agency = f"{city} Police Department"
    agency = _campus_agency(agency, title)
    if not city and agency:
        city = _city_from_agency(agency, [state] if state else phone_regions(phone))
    if not state:
        state = _body_state(body, agency)
    if city and not state:
        state = _state_near_city(city, body)
    if city and not state:
        state = _state_in_domain(address, city)
    if city and not state:
        state = _state_by_phone(city, phone) or state_of_city(city)
    if not city:
        city, found_state = _body_city(body, [state] if state else phone_regions(phone))
        state = state or found_state
    if not state and len(phone_regions(phone)) == 1:
        state = phone_regions(phone)[0]  # an agency's desk phone is in its own state
    requester = Requester(
        name=name,
        title=title,
        agency=agency,
        agency_type=agency_type(agency, title, address),
        city=city,
        state=state,
        email=address,
        phone=phone,
    )
    return requester


def empty_requester(email: EmailLike) -> Requester:
    """Automatic mail names nobody: only the address it came from."""
    return replace(Requester(), email=email.from_addr.lower())
