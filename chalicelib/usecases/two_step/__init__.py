"""Two-step sign-in (docs/api.md "Two-step sign-in"): authenticator codes (RFC 6238) and
recovery codes, above the identity provider. The provider-specific part (who checks the
code at sign-in, who issues the tokens) sits behind `factor.SecondFactor`, one
implementation per backend (identity/builtin/second_factor.py, identity/cognito/...)."""
