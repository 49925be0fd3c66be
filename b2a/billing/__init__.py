"""Plans, subscriptions, Stripe and manual payments, coupons."""
