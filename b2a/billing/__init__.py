"""Plans, subscriptions, Stripe and manual payments, coupons.

One module per job: ``plans`` and ``coupons`` (what is sold, by the super
admin), ``config`` (Stripe keys and manual-payment details, platform settings),
``stripe_api`` (the Stripe client), ``checkout`` (Checkout and the portal),
``stripe_events`` (the webhook's events), ``manual`` and ``receipts`` (manual
payments and their screenshots), ``periods`` (which subscription holds a plan,
reminders and expiry), ``enforcement`` (may the tenant use AI and send) and
``account`` (the tenant's billing page and history). ``rules`` holds the pure parts.
"""
