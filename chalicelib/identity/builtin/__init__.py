"""The builtin identity backend: users in DynamoDB, argon2id hashes, own JWTs, emailed
codes (provider.py). Its helpers (tokens, codes, hashing) serve this backend only."""
