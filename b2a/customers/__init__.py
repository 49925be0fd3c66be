"""The customer directory: every person a business knows, searched, tagged, imported, exported.

Customers are born in the inbox (``inbox.tables.Customer``: a person who wrote
in) or here (added by hand, or from a CSV file). This package lists and
searches them by name, number and tag, shows one with their conversations and
orders, edits their details and tags, and moves them in and out as CSV.
Tags are the tenant's labels (one vocabulary with conversations; see
docs/decisions.md, "Customer tags are the conversation labels").
"""
