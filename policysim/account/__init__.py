"""Accounts: who holds which policies, and the loaders that read them."""
