"""`python -m scripts.devstack`: see scripts/devstack/cli.py."""

import sys

from scripts.devstack.cli import main

sys.exit(main())
