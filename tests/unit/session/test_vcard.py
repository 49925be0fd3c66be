"""The vCard reader: every card, name, number and address a customer shares, however written."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.session.vcard import read_cards

# Text a vCard value can carry: anything but a bare carriage return (a line break).
TEXT = st.text(st.characters(blacklist_characters="\r", blacklist_categories=("Cs",)), max_size=30)
WORD = st.text(st.characters(whitelist_categories=("L", "Nd")), min_size=1, max_size=12)
TYPES = st.sampled_from(["CELL", "HOME", "WORK", "MAIN", "IPHONE"])
PHONE = st.fixed_dictionaries(
    {
        "phone": st.from_regex(r"\+[0-9][0-9 ()-]{3,16}[0-9]", fullmatch=True),
        "wa_id": st.one_of(st.just(""), st.from_regex(r"[1-9][0-9]{6,14}", fullmatch=True)),
        "type": st.one_of(st.just(""), TYPES),
    }
)
CARD = st.fixed_dictionaries(
    {
        "name": TEXT,
        "org": TEXT,
        "phones": st.lists(PHONE, max_size=4),
        "emails": st.lists(st.emails(), max_size=3),
    }
)


def escape(value: str) -> str:
    """RFC 6350 §3.4: backslash, comma, semicolon and newline are escaped."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def fold(line: str, width: int) -> list[str]:
    """RFC 6350 §3.2: a long line continues on lines that start with one space."""
    return [line[:width]] + [" " + line[i : i + width] for i in range(width, len(line), width)]


def write(cards: list[dict], *, width: int, newline: str, typed_lowercase: bool) -> str:
    lines = []
    for card in cards:
        lines += ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(card['name'])}"]
        lines.append(f"ORG:{escape(card['org'])}")
        for phone in card["phones"]:
            params = ""
            if phone["type"]:
                key = "type" if typed_lowercase else "TYPE"
                params += f";{key}={phone['type'].lower() if typed_lowercase else phone['type']}"
                params += f";{key}=VOICE"
            if phone["wa_id"]:
                params += f";waid={phone['wa_id']}"
            lines.append(f"TEL{params}:{phone['phone']}")
        lines += [f"EMAIL;type=INTERNET:{escape(email)}" for email in card["emails"]]
        lines.append("END:VCARD")
    return newline.join(physical for line in lines for physical in fold(line, width))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(CARD, min_size=1, max_size=3),
    st.integers(min_value=1, max_value=75),
    st.sampled_from(["\r\n", "\n"]),
    st.booleans(),
)
def test_cards_read_back_whatever_their_folding_escaping_and_line_ends(
    cards, width, newline, typed_lowercase
):
    text = write(cards, width=width, newline=newline, typed_lowercase=typed_lowercase)
    expected = [
        {**card, "name": card["name"].strip(), "org": card["org"].strip()} for card in cards
    ]
    assert read_cards(text) == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_reads_as_cards_of_the_right_shape_without_raising(text):
    for card in read_cards(text):
        assert isinstance(card["name"], str) and isinstance(card["org"], str)
        assert all(set(phone) == {"phone", "wa_id", "type"} for phone in card["phones"])
        assert all(isinstance(email, str) for email in card["emails"])


def test_whatsapp_cards_with_apple_labels_and_a_name_only_in_n():
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Silva;Ana;Maria;Dr.;\n"
        "item1.TEL;waid=15550100:+1 555-0100\nitem1.X-ABLabel:_$!<Mobile>!$_\n"
        "item2.TEL:+1 555-0111\nitem2.X-ABLabel:Shop\nEND:VCARD"
    )
    assert read_cards(text) == [
        {
            "name": "Dr. Ana Maria Silva",
            "org": "",
            "phones": [
                {"phone": "+1 555-0100", "wa_id": "15550100", "type": "Mobile"},
                {"phone": "+1 555-0111", "wa_id": "", "type": "Shop"},
            ],
            "emails": [],
        }
    ]


def test_vcard_2_1_with_bare_types_and_quoted_printable_names():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Jos=C3=A9 =\r\nP=C3=A9rez\r\n"
        "ORG:Caf=C3=A9 not encoded;Sales\r\n"
        "TEL;CELL;PREF:+34 600 000 000\r\nTEL;HOME:+34 910 000 000\r\n"
        "EMAIL;INTERNET:jose@example.test\r\nEMAIL:jose@work.test\r\nEND:VCARD\r\n"
    )
    assert read_cards(text) == [
        {
            "name": "José Pérez",
            "org": "Caf=C3=A9 not encoded, Sales",
            "phones": [
                {"phone": "+34 600 000 000", "wa_id": "", "type": "CELL"},
                {"phone": "+34 910 000 000", "wa_id": "", "type": "HOME"},
            ],
            "emails": ["jose@example.test", "jose@work.test"],
        }
    ]


def test_vcard_4_with_quoted_parameters_and_tel_uris():
    text = (
        "BEGIN:VCARD\nVERSION:4.0\nFN:Li Wei\n"
        'TEL;VALUE=uri;TYPE="cell,voice";WAID=8613800000000:tel:+86-138-0000-0000\n'
        "END:VCARD"
    )
    assert read_cards(text)[0]["phones"] == [
        {"phone": "+86-138-0000-0000", "wa_id": "8613800000000", "type": "CELL"}
    ]


def test_lines_outside_begin_and_end_still_make_a_card_and_empty_blocks_none():
    assert read_cards("FN:Bo\nTEL:+44 20 0000 0000") == [
        {
            "name": "Bo",
            "org": "",
            "phones": [{"phone": "+44 20 0000 0000", "wa_id": "", "type": ""}],
            "emails": [],
        }
    ]
    assert read_cards("BEGIN:VCARD\nVERSION:3.0\nEND:VCARD") == []
    assert read_cards("") == []
