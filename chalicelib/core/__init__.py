"""What every layer shares: settings, clock, errors, identifiers, field rules, the user's
value types, mail text, logging, page tokens. Imports nothing else of chalicelib."""
