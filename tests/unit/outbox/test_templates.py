import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import Invalid
from b2a.outbox.rules import render_template, template_variables

names = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True)
values = st.text(min_size=1, max_size=30).filter(lambda v: v.strip())


def test_placeholders_fill_in_order_with_or_without_spaces():
    body = "Hi {{name}}, your {{ item }} is ready. Bye {{name}}!"
    assert template_variables(body) == ["name", "item"]
    assert render_template(body, {"name": "Ali", "item": "cake"}) == (
        "Hi Ali, your cake is ready. Bye Ali!"
    )


def test_missing_and_unknown_variables_are_named():
    with pytest.raises(Invalid, match="missing: item") as info:
        render_template("{{name}} {{item}}", {"name": "Ali"})
    assert info.value.field == "variables"
    with pytest.raises(Invalid, match="not in the template: colour"):
        render_template("{{name}}", {"name": "Ali", "colour": "red"})
    with pytest.raises(Invalid, match="missing: name"):
        render_template("{{name}}", {"name": "   "})


@given(st.dictionaries(names, values, min_size=1, max_size=5))
def test_every_variable_is_filled_and_nothing_is_left_blank(variables):
    body = " / ".join(f"{{{{{name}}}}}" for name in variables)
    rendered = render_template(body, variables)
    assert "{{" not in rendered or any("{{" in v for v in variables.values())
    assert rendered == " / ".join(variables.values())


@given(st.dictionaries(names, values, min_size=2, max_size=5))
def test_a_value_cannot_inject_another_placeholder(variables):
    first, *rest = variables
    injected = {**variables, first: "{{" + rest[0] + "}}"}
    body = " ".join(f"{{{{{name}}}}}" for name in variables)
    assert render_template(body, injected).split(" ")[0] == "{{" + rest[0] + "}}"


@given(st.text(max_size=80))
def test_text_without_placeholders_renders_unchanged(text):
    if template_variables(text):
        return
    assert render_template(text, {}) == text
