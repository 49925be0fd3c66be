"""The one way billing talks to Stripe: the official library over our httpx client.

``stripe_client`` builds a ``StripeClient`` whose requests go through the httpx
client the caller made with ``b2a.lib.http.create_client`` (our timeouts, one
connection pool, closed by its owner), at ``B2A_BILLING_STRIPE_API_URL`` so
tests point it at a local fake. ``calling_stripe`` turns the library's errors
into ours, with words for the operator and never the key. Objects come back as
plain dicts (``as_dict``), so webhook payloads and fetched objects are read the
same way.

The library (about 30 MiB resident with its ``requests`` dependency) is imported
only when a Stripe call is made: most appliances never take a card payment, and
the worker and server should not carry it idle (docs/decisions.md, "Each process
imports what it uses").
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from b2a.billing.config import StripeKeys, stripe_keys
from b2a.billing.schemas import StripeKeyCheck
from b2a.errors import Invalid, Unavailable
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor

if TYPE_CHECKING:
    import httpx
    import stripe


def stripe_client(
    keys: StripeKeys, *, api_url: str, http: httpx.AsyncClient
) -> stripe.StripeClient:
    """A Stripe client for these keys at ``api_url``, sending through ``http``."""
    from b2a.billing._stripe_transport import new_stripe_client

    return new_stripe_client(keys.secret_key, api_url=api_url, http=http)


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object (or an already plain payload) as nested plain dicts and lists."""
    # A StripeObject is a dict with ``to_dict``; asking for the method spares a plain
    # payload the import of the library.
    to_dict = getattr(obj, "to_dict", None)
    return dict(to_dict() if to_dict else obj)


@contextlib.asynccontextmanager
async def calling_stripe(what: str) -> AsyncIterator[None]:
    """Map the library's errors raised inside the block; ``what`` says what was being done.

    Raises:
        Unavailable: Stripe was unreachable, refused the key, or failed (retry later).
        Invalid: Stripe refused the request itself (a wrong price or coupon id).
    """
    import stripe

    try:
        yield
    except stripe.AuthenticationError:
        raise Unavailable(
            f"Stripe refused the secret key while {what}: the operator checks the keys in the "
            "admin panel.",
            code="STRIPE_KEY_REFUSED",
        ) from None
    except stripe.InvalidRequestError as exc:
        raise Invalid(
            f"Stripe refused {what}: {exc.user_message or 'invalid request'}",
            code="STRIPE_REFUSED",
        ) from None
    except stripe.StripeError as exc:
        raise Unavailable(
            f"Stripe could not be reached while {what} ({type(exc).__name__}); try again in a "
            "moment.",
            code="STRIPE_UNAVAILABLE",
        ) from None


async def verify_stripe_key(
    keys: StripeKeys, *, api_url: str, http: httpx.AsyncClient
) -> StripeKeyCheck:
    """Ask Stripe for the key's own account: whether the key works, in words for the operator.

    ``GET /v1/account`` changes nothing and answers any secret key, test or live.
    """
    import stripe

    client = stripe_client(keys, api_url=api_url, http=http)
    try:
        account = as_dict(await client.v1.accounts.retrieve_current_async())
    except stripe.StripeError as exc:
        return StripeKeyCheck(False, _refusal(exc))
    profile = account.get("business_profile") or {}
    name = profile.get("name") or account.get("email") or "without a name"
    live = keys.secret_key.startswith(("sk_live_", "rk_live_"))
    return StripeKeyCheck(
        True,
        f"Stripe accepted the key: account {name} ({account['id']}), "
        f"{'live' if live else 'test'} mode.",
        account_id=str(account["id"]),
        live_mode=live,
    )


def _refusal(exc: stripe.StripeError) -> str:
    """What a failed key check means and what to do, never the key itself."""
    import stripe

    if isinstance(exc, stripe.AuthenticationError):
        return (
            "Stripe refused this secret key: it is mistyped, revoked or rolled. Copy it again "
            "from Stripe → Developers → API keys and save it in Admin → Billing."
        )
    if isinstance(exc, stripe.PermissionError):
        return (
            "Stripe knows this restricted key but it may not read the account: give it read "
            "access to the account, or use the secret key."
        )
    if isinstance(exc, stripe.APIConnectionError):
        return (
            "Stripe could not be reached from this server: check that it can open "
            "https://api.stripe.com (internet access, firewall, proxy), then test again."
        )
    return f"Stripe answered with an error ({type(exc).__name__}); test again in a minute."


async def check_stored_key(
    actor: Actor, *, box: SecretBox, api_url: str, http: httpx.AsyncClient
) -> StripeKeyCheck:
    """The admin panel's "Test the key": the stored secret key, asked of Stripe now.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require()
    keys = await stripe_keys(box)
    if keys is None:
        return StripeKeyCheck(
            False, "No secret key is stored yet: enter Stripe's secret key, save, then test it."
        )
    return await verify_stripe_key(keys, api_url=api_url, http=http)
