"""deploy/: the example production config loads with the project's own loader, and the systemd unit starts a
command the command line really has."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.cli.service import _run
from bot.config import ConfigError, load_settings

DEPLOY = Path(__file__).parents[1] / "deploy"
DATABASE = "postgresql+psycopg://kulturlots:s3cret-pw@db.internal/kulturlots"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(DEPLOY / "kulturlots@.service", encoding="utf-8")
    return parser


def test_the_example_config_loads_with_the_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULTURLOTS_DATABASE_URL", DATABASE)
    settings = load_settings(DEPLOY / "config.example.yaml")
    assert settings.database_url == DATABASE
    assert (settings.telegram.webhook.listen, settings.telegram.webhook.port) == ("127.0.0.1", 8081)
    assert settings.staff.group_chat_id is not None and settings.knowledge.path is not None
    assert "s3cret-pw" not in (DEPLOY / "config.example.yaml").read_text(encoding="utf-8")


def test_the_example_config_names_the_variable_it_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KULTURLOTS_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match=r"storage\.url: the environment variable KULTURLOTS_DATABASE_URL is not set"):
        load_settings(DEPLOY / "config.example.yaml")


def test_the_units_exec_start_is_the_run_command_with_a_config_and_json_logs() -> None:
    service = unit()["Service"]
    argv = shlex.split(service["ExecStart"].replace("%i", "a"))
    assert argv[:3] == ["/opt/kulturlots/.venv/bin/python", "-m", "bot"]
    args = build_parser().parse_args(argv[3:])  # argparse exits (SystemExit) on anything the CLI lacks
    assert args.handler is _run
    assert args.config == "/etc/kulturlots/a.yaml" and args.log_format == "json"
    assert args.webhook == "${KULTURLOTS_WEBHOOK_URL}"  # systemd fills it in from the environment file


def test_the_unit_reads_secrets_from_an_environment_file_restarts_and_is_hardened() -> None:
    service = unit()["Service"]
    assert service["EnvironmentFile"] == "/etc/kulturlots/secrets.env"
    assert service["Restart"] == "on-failure"
    for key, value in {"NoNewPrivileges": "true", "ProtectSystem": "strict", "ProtectHome": "true",
                       "PrivateTmp": "true", "CapabilityBoundingSet": ""}.items():
        assert service[key] == value
    names = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / "secrets.env.example").read_text(encoding="utf-8"), re.M))
    assert names == {"TELEGRAM_BOT_TOKEN", "KULTURLOTS_SECRET", "KULTURLOTS_DATABASE_URL",
                     "KULTURLOTS_WEBHOOK_URL", "KULTURLOTS_WEBHOOK_SECRET"}  # the unit's --webhook, its secret


def test_nginx_sends_the_webhook_with_its_secret_header_to_two_instances() -> None:
    site = (DEPLOY / "nginx-kulturlots.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream kulturlots \{(.*?)\}", site, re.S)
    assert upstream is not None
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstream.group(1)) == ["8081", "8082"]
    assert "proxy_pass http://kulturlots;" in site
    assert ("proxy_set_header X-Telegram-Bot-Api-Secret-Token $http_x_telegram_bot_api_secret_token;" in site)
    assert re.search(r"listen 443 ssl;", site) and "ssl_certificate " in site
