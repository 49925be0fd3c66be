"""The send_email job: real SMTP to a local server; wrong credentials are not retried."""

from b2a.worker.tasks.email import send_email
from tests.fakes.smtp import PASSWORD, USERNAME, FakeSmtp


def _ctx(make_settings, port, password=PASSWORD):
    settings = make_settings(
        B2A_SMTP_HOST="127.0.0.1",
        B2A_SMTP_PORT=str(port),
        B2A_SMTP_USERNAME=USERNAME,
        B2A_SMTP_PASSWORD=password,
        B2A_SMTP_FROM="b2a <no-reply@b2a.test>",
        B2A_SMTP_SECURITY="none",
    )
    return {"settings": settings}


async def test_an_email_reaches_the_smtp_server_with_its_subject_and_text(db, make_settings):
    with FakeSmtp() as smtp:
        result = await send_email(
            _ctx(make_settings, smtp.port), to="a@acme.test", subject="Hi", text="Hello there"
        )
        [mail] = await smtp.wait_for("a@acme.test")
    assert result == {"sent": True}
    assert mail.subject == "Hi" and "Hello there" in mail.text and mail.message["Message-ID"]


async def test_a_refused_login_is_reported_once_instead_of_retried(db, make_settings):
    with FakeSmtp() as smtp:
        result = await send_email(
            _ctx(make_settings, smtp.port, password="wrong"),
            to="a@acme.test",
            subject="Hi",
            text="x",
        )
        assert smtp.received == []
    assert result == {"sent": False, "code": "SMTP_AUTH"}
