"""Our real Cloud API client against a local server speaking Graph's wire format."""

import pytest

from b2a.errors import TransportError
from b2a.lib.http import create_client
from b2a.whatsapp.cloud_api import CloudApiClient, CloudCredentials
from b2a.whatsapp.transport import Outbound, TemplateSend
from tests.fakes.graph_api import TOKEN


@pytest.fixture
async def client(graph):
    async with create_client(timeout=2) as http:
        yield CloudApiClient(
            http,
            CloudCredentials(phone_number_id="1111", access_token=TOKEN, waba_id="WABA"),
            base_url=graph.base_url,
        )


async def test_a_text_is_sent_and_its_wamid_returned(client, graph):
    sent = await client.send(Outbound(to="923001234567", text="Hello *there*"))
    assert sent.wa_message_id.startswith("wamid.")
    (request,) = graph.state.sent
    assert request["phone_number_id"] == "1111"
    assert request["type"] == "text" and request["text"]["body"] == "Hello *there*"


async def test_a_template_carries_its_language_and_parameters(client, graph):
    await client.send(
        Outbound(
            to="923001234567",
            kind="template",
            template=TemplateSend("order_update", "en_US", ["Ali", "#12"]),
        )
    )
    template = graph.state.sent[0]["template"]
    assert template["language"] == {"code": "en_US"}
    assert [p["text"] for p in template["components"][0]["parameters"]] == ["Ali", "#12"]


async def test_media_is_uploaded_then_sent_by_id(client, graph, tmp_path):
    photo = tmp_path / "cake.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    await client.send(
        Outbound(to="923001234567", kind="image", text="Your cake", media_path=str(photo))
    )
    (upload,) = graph.state.uploads
    assert upload["size"] > len(b"\xff\xd8jpeg")  # multipart around the file
    assert graph.state.sent[0]["image"] == {"id": upload["id"], "caption": "Your cake"}


async def test_a_closed_window_is_permanent_and_in_plain_words(client, graph):
    graph.state.fail_next(131047)
    with pytest.raises(TransportError) as info:
        await client.send(Outbound(to="923001234567", text="hi"))
    assert info.value.permanent and info.value.code == "131047"
    assert "24 hours" in info.value.message


async def test_throughput_limits_and_server_errors_are_transient(client, graph):
    graph.state.fail_next(130429, status=429)
    with pytest.raises(TransportError) as info:
        await client.send(Outbound(to="923001234567", text="hi"))
    assert not info.value.permanent
    graph.state.fail_next(131000, status=500)
    with pytest.raises(TransportError) as info:
        await client.send(Outbound(to="923001234567", text="hi"))
    assert not info.value.permanent


async def test_a_slow_or_unreachable_api_is_transient(graph, tmp_path):
    graph.state.latency = 1.5
    async with create_client(timeout=0.3) as http:
        slow = CloudApiClient(http, CloudCredentials("1111", TOKEN), base_url=graph.base_url)
        with pytest.raises(TransportError) as info:
            await slow.send(Outbound(to="1", text="hi"))
        assert not info.value.permanent
        gone = CloudApiClient(http, CloudCredentials("1111", TOKEN), base_url="http://127.0.0.1:9")
        with pytest.raises(TransportError) as info:
            await gone.send(Outbound(to="1", text="hi"))
        assert not info.value.permanent


async def test_a_bad_token_is_permanent(graph):
    async with create_client(timeout=2) as http:
        wrong = CloudApiClient(http, CloudCredentials("1111", "nope"), base_url=graph.base_url)
        with pytest.raises(TransportError) as info:
            await wrong.check_credentials()
    assert info.value.permanent and "token" in info.value.message


async def test_inbound_media_is_downloaded_with_its_type(client, graph):
    graph.state.media["MEDIA1"] = (b"%PDF-1.4 menu", "application/pdf")
    content, mime = await client.download_media("MEDIA1")
    assert content == b"%PDF-1.4 menu" and mime == "application/pdf"


async def test_templates_are_listed_across_pages(client, graph):
    graph.state.templates = [
        {
            "name": f"t{i}",
            "language": "en",
            "status": "APPROVED",
            "category": "UTILITY",
            "id": str(i),
            "components": [{"type": "BODY", "text": "Hi {{1}}"}],
        }
        for i in range(5)
    ]
    templates = await client.list_templates()
    assert [t.name for t in templates] == ["t0", "t1", "t2", "t3", "t4"]
    assert templates[0].body == "Hi {{1}}" and templates[0].status == "APPROVED"


async def test_credentials_check_returns_the_display_number(client):
    number = await client.check_credentials()
    assert number.display_phone_number == "+1 555-000-1111" and number.verified_name == "Acme"
