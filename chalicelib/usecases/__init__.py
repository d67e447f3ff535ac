"""The use cases: accounts, the album catalog and two-step sign-in, built by
chalicelib/services.py on an identity provider and the storage layer. No HTTP here."""
