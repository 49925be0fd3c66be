"""The whole database schema: every domain's tables in one Piccolo app and one migration chain.

One chain (rather than one Piccolo app per domain) because nearly every table
references ``tenant``: a single ordered history avoids cross-app migration
dependencies. See docs/decisions.md.
"""
