"""The moderation queue: posts pushed by the platform (signed ingest), risk words and alerts, the items moderators
work through."""
