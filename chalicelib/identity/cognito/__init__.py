"""The Cognito identity backend: Amazon Cognito user pools hold the credentials and issue
RS256 tokens (provider.py); the app verifies them against the pool's JWKS (jwks.py), maps
every Cognito error to the builtin backend's problem codes (errors.py), and keeps what
Cognito cannot do in DynamoDB (chalicelib/storage/cognito_users.py). Codes are mailed
by the pool on AWS (delivery.py); an emulator that mails nothing gets the local stack's
delivery instead (scripts/devstack/parts.py)."""
