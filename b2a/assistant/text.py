"""Customer text as the offline assistant's rules read it.

Customers type on phones, in English and Roman Urdu, with doubled letters
("salaaam", "pleeease"), missing apostrophes and typos. Every rule reads words
through the same ``canonical`` form, so "Haircuts", "haircut" and "HAIRCUTT"
are one word; keywords and catalogue text go through it too, so both sides
always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1+")

_ENGLISH_STOPWORDS = """
a an the and or but if of to in on at by for with from into about as is am are was were be been
being it its this that these those there here i me my mine we us our you your yours u ur he she
him her his they them their what which who whom whose when where why how can could would should
will shall do does did done have has had having not no yes so too very just also only then than
some any all both each few more most other such own same get got give tell let please pls plz
kindly ok okay dear hi sir madam mam maam bro brother sis sister ji jee one much many
today tomorrow tonight now morning evening afternoon night week month next day time bhai
"""

_ROMAN_URDU_STOPWORDS = """
hai hain he h ha hy hay hen tha thi the ho hon hun hoon hota hoti hotay hote kya kia kiya ky
ka ki ke kay ko se say mein me main mai mujhe muje mjhe mera meri mere hum ham humein hamara
aap ap apka apki apke tum tu yeh ye yah woh wo vo aur or ya bhi b to tou na nahi nai nhi jee
haan han koi kuch kis kon kaun kab kahan kidhar kaise kaisay kesay kyun kyu kitna kitne kitni
kitnay kitny kitney kr kar karo karna karni karwana karwani krwana karwa kara karein kardo
kar do dein den de do dena lena le lo chahiye chahie chaiye chahye chahiyay wala wali wale
liye lie sath saath par pe pr tak bhi abhi aj aaj kal parson subah shaam raat dopahar din
ji jan jaan yaar yar bata batao btao bataen batain bata dein zara thora thoda plz please
karte karti karta krte krti krta kartay karain karen karenge karega karegi kiye hua hui huay
sakta sakti sakte sakein skte dete deti deta dijiye dijye lete leti leta chahta chahti chahte
banta banti bante bana banega banegi banwana banwani banwane ho hoga hogi hoge jayega jayegi
jaye gaya gayi raha rahi rahe wali wale bhej bhejo bhejen bhejein bhejna bhejdo dikhao dikha
"""

_SHOPPING_WORDS = """
price prices pricing rate rates cost costs charge charges fee fees amount paise paisay
kharcha kharch qeemat keemat kimat budget list menu info information detail details
service services offer offers provide available availability order orders book booking
appointment want need like would interested package packages total each per piece pieces
pcs lagega lagay lagta lagti milega milegi milta milti milte sakta sakti sakte hoga hogi
structure subject subjects teach sell kind kinds type types option options range
"""


def fold(text: str) -> str:
    """Lower case without accents; apostrophes closed up so "what's" is one word."""
    if text.isascii():  # nothing to decompose: most messages
        return text.lower().replace("'", "")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.lower().replace("'", "").replace("\u2019", "")


def canonical(word: str) -> str:
    """One spelling for a word's variants: the English plural dropped, doubled letters squeezed."""
    return _REPEATS.sub(r"\1", _singular(word))


def _singular(word: str) -> str:
    if len(word) < 4 or not word.isalpha() or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The canonical words of ``text``, in order (digits kept as words)."""
    return [canonical(w) for w in _WORD.findall(fold(text))]


def spellings(text: str) -> list[str]:
    """The words of ``text`` with doubled letters squeezed but plurals kept ("books" ≠ "book")."""
    return [_REPEATS.sub(r"\1", w) for w in _WORD.findall(fold(text))]


def _canonical_set(*blocks: str) -> frozenset[str]:
    return frozenset(canonical(w) for block in blocks for w in block.split())


STOPWORDS = _canonical_set(_ENGLISH_STOPWORDS, _ROMAN_URDU_STOPWORDS)
"""Words that carry no meaning for retrieval in either language."""

FILLER = STOPWORDS | _canonical_set(_SHOPPING_WORDS)
"""Stopwords plus the words of asking and buying ("price", "order", "available"):
they say what the customer wants to do, never which service."""


_PLURAL_NOUNS = frozenset(("books",))
"""Plurals that name a thing where the singular is a verb of buying ("print books", "book a …")."""


def content_words(text: str) -> list[str]:
    """The words of ``text`` that can name a service or a topic."""
    found = []
    for raw in _WORD.findall(fold(text)):
        word = canonical(raw)
        if raw in _PLURAL_NOUNS:
            found.append(raw)
        elif word not in FILLER:
            found.append(word)
    return found


def distance(a: str, b: str, limit: int) -> int:
    """Edits between ``a`` and ``b`` (insert, delete, substitute, swap neighbours), capped.

    Returns ``limit + 1`` as soon as the answer is known to exceed ``limit``,
    so comparing a word with a long vocabulary stays cheap.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def allowed_typos(word: str, shortest: int = 5) -> int:
    """Edits that still read as ``word``: none for short words, where one edit makes another."""
    if len(word) < shortest or not word.isalpha():
        return 0
    return 1 if len(word) < 8 else 2


def joined_pairs(tokens: Iterable[str]) -> list[str]:
    """Neighbouring words written together ("hair cut" → "haircut", "t shirt" → "tshirt")."""
    sequence = list(tokens)
    return [canonical(a + b) for a, b in zip(sequence, sequence[1:], strict=False)]
