"""What every command shares: exit codes and the settings asked for."""

from __future__ import annotations

import argparse
import os

from bot.config import CONFIG_ENV, Settings, config_path, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def settings_for(args: argparse.Namespace) -> Settings:
    """The config asked for or present; only with --kb/DIR and no config anywhere, the defaults."""
    path = config_path(args.config)
    folder_given = getattr(args, "kb", None) or getattr(args, "dir", None)
    if folder_given and not args.config and not os.environ.get(CONFIG_ENV) and not path.exists():
        return Settings()
    return load_settings(path)
