"""Admin tasks: create tables, seed the album catalog, grant admin.

    python -m scripts.admin --stage local create-tables
    python -m scripts.admin --stage local seed [--if-empty | --done-marker PATH] [--file data/albums.json]
    python -m scripts.admin --stage local grant-admin USERNAME

The stage's environment comes from .chalice/config.json (as `chalice local` and the
deployed function get it), on top of the process environment that `make dev` builds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = ROOT / "data" / "albums.json"
SEED_NAMESPACE = uuid.UUID("6f1c9c7e-3b0e-4d4c-9a56-0d1b2c3e4f50")  # stable ids: re-seeding is a no-op


def stage_environment(stage: str, config_file: Path = ROOT / ".chalice" / "config.json") -> dict[str, str]:
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if stage not in config.get("stages", {}):
        raise SystemExit(f"unknown stage {stage!r}; .chalice/config.json has {', '.join(config['stages'])}")
    env = dict(os.environ)
    env.update(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def load_seed(path: Path) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from chalicelib.storage.albums import name_key
    from chalicelib.web import validation

    entries = json.loads(path.read_text(encoding="utf-8"))
    albums = []
    ranks: set[int] = set()
    names: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            album = asdict(validation.ALBUM_CREATE.parse(entry))
        except Exception as exc:
            raise SystemExit(f"{path}: entry {index} is not a valid album: {exc}") from exc
        # The file must obey the same uniqueness the API enforces, or a batch would
        # write two albums under one claim.
        name = name_key(album["artist"], album["title"])
        if album["rank"] in ranks or name in names:
            raise SystemExit(f"{path}: entry {index} repeats a rank or an artist+title")
        ranks.add(album["rank"])
        names.add(name)
        albums.append(album)
    return albums


def seed(repo: Any, entries: list[dict[str, Any]], progress: bool = True) -> tuple[int, int]:
    """Write the albums that are not there yet. (written, skipped). Idempotent: an album
    whose id, rank or artist+title is already taken is skipped, so a second run writes
    nothing and an admin's edits are never overwritten."""
    from chalicelib.storage.albums import AlbumRecord

    now = int(time.time() * 1000)
    records = [
        AlbumRecord(
            album_id=str(uuid.uuid5(SEED_NAMESPACE, f"{e['artist'].casefold()}|{e['title'].casefold()}")),
            created_ms=now,
            updated_ms=now,
            **e,
        )
        for e in entries
    ]
    fresh = repo.not_yet_stored(records)
    bar = None
    if progress:
        from tqdm import tqdm  # dev dependency: the CLI runs on a laptop, not in Lambda

        bar = tqdm(total=len(fresh), unit="album", desc="seeding", file=sys.stderr)
    written = 0
    for count in repo.put_batches(fresh):
        written += count
        if bar is not None:
            bar.update(count)
    if bar is not None:
        bar.close()
    return written, len(records) - len(fresh)


def mark_done(marker: Path, note: str) -> None:
    """Create `marker` whole or not at all (temp file, rename)."""
    marker.parent.mkdir(parents=True, exist_ok=True)
    temp = marker.with_name(marker.name + ".tmp")
    temp.write_text(note, encoding="utf-8")
    os.replace(temp, marker)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command with the stage's environment, then put the caller's back: an
    in-process caller (scripts/deploy.py's aws-admin and aws-seed, the tests) must not be
    left with the stage's variables (a later local stack would inherit API_AUTHORIZER)."""
    saved = os.environ.copy()
    try:
        return _main(argv)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.admin", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default=os.environ.get("STAGE", "local"), help="stage in .chalice/config.json")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create-tables", help="create the DynamoDB tables if missing (idempotent)")
    seed_cmd = commands.add_parser("seed", help="load the album catalog (idempotent)")
    seed_cmd.add_argument("--file", type=Path, default=SEED_FILE, help="albums JSON (default data/albums.json)")
    seed_cmd.add_argument("--if-empty", action="store_true", help="do nothing when the catalog has albums")
    seed_cmd.add_argument(
        "--done-marker",
        type=Path,
        help="do nothing if this file exists; create it once every album is stored (make dev: a seed "
        "cut short is finished on the next start, a finished one never repeated)",
    )
    seed_cmd.add_argument("--no-progress", action="store_true", help="no progress bar")
    admin = commands.add_parser("grant-admin", help="put a user in the admin group")
    admin.add_argument("username")
    args = parser.parse_args(argv)

    from chalicelib import services
    from chalicelib.core.config import ConfigError, load_settings
    from scripts.devstack.parts import LOCAL_PARTS

    try:
        settings = load_settings(stage_environment(args.stage))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    os.environ.update(stage_environment(args.stage))
    services.reset()
    services.use_local_parts(LOCAL_PARTS)  # used only where the stage's settings name a local part
    client = services.dynamodb_client()

    if args.command == "create-tables":
        from scripts.tables import create_tables

        created = create_tables(client, settings.users_table, settings.albums_table)
        print(f"created: {', '.join(created)}" if created else "tables exist already")
    elif args.command == "seed":
        repo = services.album_repository()
        if args.if_empty and not repo.is_empty():
            print("catalog has albums already; not seeding")
            return 0
        if args.done_marker is not None and args.done_marker.exists():
            print(f"catalog seeded already ({args.done_marker.name}); not seeding")
            return 0
        written, skipped = seed(repo, load_seed(args.file), progress=not args.no_progress)
        print(f"seeded {written} albums, {skipped} already there")
        if args.done_marker is not None:
            # Only now: every album of the file is stored (written here or before).
            mark_done(args.done_marker, f"{args.file.name}: {written + skipped} albums\n")
    elif args.command == "grant-admin":
        from chalicelib.core.errors import NotFound
        from chalicelib.core.users import ADMIN_GROUP

        try:
            services.accounts().grant(args.username, ADMIN_GROUP)
        except NotFound:
            print(f"no user named {args.username!r}", file=sys.stderr)
            return 1
        print(f"{args.username.lower()} is now in the {ADMIN_GROUP} group")
    return 0


if __name__ == "__main__":
    sys.exit(main())
