"""One typed settings object, read from the environment and an optional `.env` file.

Validated at start: a bad setting stops the bot with a message naming the variable and the fix.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import BreachbotError

REPO_ROOT = Path(__file__).resolve().parents[1]


class ConfigError(BreachbotError):
    pass


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(Path("data"), validation_alias=_env("BREACHBOT_DATA_DIR"))
    database_url: str | None = Field(None, validation_alias=_env("BREACHBOT_DATABASE_URL"))
    timezone: str = Field("Europe/London", validation_alias=_env("BREACHBOT_TIMEZONE"))
    templates_dir: Path | None = Field(None, validation_alias=_env("BREACHBOT_TEMPLATES_DIR"))
    privacy_team_users: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=_env("BREACHBOT_PRIVACY_TEAM_USERS")
    )
    privacy_team_usergroup: str | None = Field(None, validation_alias=_env("BREACHBOT_PRIVACY_TEAM_USERGROUP"))
    privacy_channel: str | None = Field(None, validation_alias=_env("BREACHBOT_PRIVACY_CHANNEL"))
    log_level: str = Field("INFO", validation_alias=_env("BREACHBOT_LOG_LEVEL"))
    archive_on_close: bool = Field(False, validation_alias=_env("BREACHBOT_ARCHIVE_ON_CLOSE"))
    # Hours without a status update before the incident lead is reminded; 0 turns the reminders off.
    update_reminder_hours: float = Field(
        4.0, ge=0, le=24 * 14, validation_alias=_env("BREACHBOT_UPDATE_REMINDER_HOURS")
    )
    timeline_reaction: str = Field("pushpin", validation_alias=_env("BREACHBOT_TIMELINE_REACTION"))
    # The key the timeline's hashes and the incident seals are made with; kept out of the database.
    timeline_key: str | None = Field(None, min_length=32, validation_alias=_env("BREACHBOT_TIMELINE_KEY"))
    timeline_key_file: Path | None = Field(None, validation_alias=_env("BREACHBOT_TIMELINE_KEY_FILE"))

    # /healthz answers 503, and doctor says to fix it, when the alert sweeper has not completed a sweep
    # for this long (seconds). A sweep runs every 15 seconds.
    sweeper_stale_after: int = Field(300, ge=30, validation_alias=_env("BREACHBOT_SWEEPER_STALE_AFTER"))

    slack_bot_token: str | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    port: int = Field(3000, ge=1, le=65535, validation_alias=_env("PORT"))

    @field_validator("privacy_team_users", mode="before")
    @classmethod
    def _split_users(cls, value: object) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return tuple(value)  # type: ignore[arg-type]

    @field_validator("timeline_reaction")
    @classmethod
    def _reaction_name(cls, value: str) -> str:
        name = value.strip().strip(":")
        if not name or not all(c.isalnum() or c in "_+-'" for c in name):
            raise ValueError("give an emoji's name as Slack spells it, e.g. pushpin (without colons)")
        return name

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/London") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("use a sqlite:/// or postgresql+psycopg:// URL")
        if value and value.startswith("postgresql://"):
            # The driver installed with Breachbot is psycopg 3; SQLAlchemy's bare default is psycopg2.
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb- (OAuth & Permissions page of your Slack app)")
        return value or None

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp- (Basic Information, App-Level Tokens)")
        return value or None

    @property
    def update_reminder_every(self) -> timedelta | None:
        """How long without a status update before the lead is reminded; None: reminders are off."""
        return timedelta(hours=self.update_reminder_hours) if self.update_reminder_hours > 0 else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'breachbot.sqlite3').resolve()}"

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret))


_ENV_NAMES = {
    name: str(field.validation_alias.choices[0])  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; a bad value becomes one ConfigError line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            variable = _ENV_NAMES.get(field, field)
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{variable}: {message}")
        raise ConfigError("bad setting: " + "; ".join(lines)) from None


@cache
def settings() -> Settings:
    return load_settings()
