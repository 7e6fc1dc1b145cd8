"""Accounts, sessions and API tokens (OWASP ASVS 4.0.3 level 2).

- Passwords: argon2id (argon2-cffi), at least 12 and at most 128 characters, no control characters;
  never stored or logged.
- Sessions live on the server: the browser holds a random 256-bit token; the database holds only its
  SHA-256. A session ends on logout, on disabling its user, after `IDLE_TIMEOUT` without use, and
  `ABSOLUTE_TIMEOUT` after login, whichever comes first. Logging in always makes a new token.
- API tokens for scripts: random 256-bit, stored hashed, shown once, revoked with their user.
- Throttling: after `LOCK_AFTER` consecutive failed logins an account refuses logins (even with the
  right password) for a delay that doubles with each further failure, up to `LOCK_MAX`.
- No default accounts: the first administrator is made with `anpo users create`.
- Bounds (`grant_refusal`): a principal that is not `system` (an administrator on the web) grants
  nothing it does not hold: a clearance at most its own and no party but its own (one of no party
  grants none); the roles are not bounded (an administrator holds every role's powers), so it may
  make administrators, who are bound in turn. Nobody disables their own account. Enabling one again
  restores access, so it is bounded as making it would be (`enable_user`). The command line
  (`system`, trusted local tooling) is not bounded: it makes the first accounts.
- A login checks the password outside any write transaction (`read_login`, `check_password_of`),
  then records its outcome in a short one (`finish_login`) that decides anew on what may have
  changed meanwhile: the lock-out, the account being disabled, its password hash.
Every change and every login, failed or not, is audited in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import Boolean, Connection, Float, ForeignKey, Integer, String, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from anpo.framework.model import Text
from anpo.security import audit
from anpo.security.markings import PUBLIC, Levels
from anpo.security.principal import ROLES, Principal, system_principal
from anpo.store.db import Base, Prepared

PARTIES = ("jpn", "usa")
IDLE_TIMEOUT = 30 * 60.0  # seconds without a request
ABSOLUTE_TIMEOUT = 12 * 3600.0  # seconds after login
TOUCH_EVERY = 60.0  # a session's last use is written at most this often
LOCK_AFTER = 5
LOCK_BASE = 30.0
LOCK_MAX = 15 * 60.0
MIN_PASSWORD = 12
MAX_PASSWORD = 128
# `\Z`, not `$`: `$` also matches before a final line break, which let "alice\n" in beside "alice"
USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,62}\Z")
TOKEN_NAME_MAX = 64  # the column's width: a longer name was cut short without a word

# argon2id with RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes; argon2-cffi's default,
# named so that a test can hold the shipped hasher to it): about 0.18 s a hash on this project's
# two-core machines.
PASSWORD_PROFILE = RFC_9106_LOW_MEMORY
HASHER = PasswordHasher.from_parameters(PASSWORD_PROFILE)
_DUMMY_HASH = HASHER.hash("not a password of anyone")


class AccountError(Exception):
    """A refused account operation, with the reason in both languages."""

    def __init__(self, text: Text, code: str = "invalid") -> None:
        self.text = text
        self.code = code
        super().__init__(text.en)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the username
    party: Mapped[str] = mapped_column(String(16), default="")  # jpn | usa | "" (none)
    clearance: Mapped[str] = mapped_column(String(32))
    roles: Mapped[str] = mapped_column(String(256), default="")  # comma-separated
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)

    def principal(self) -> Principal:
        return principal_of(self.id, self.party, self.clearance, self.roles)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "party": self.party or None,
            "clearance": self.clearance,
            "roles": sorted(r for r in self.roles.split(",") if r),
            "disabled": self.disabled,
            "locked": self.locked_until > time.time(),
        }


def principal_of(user_id: str, party: str, clearance: str, roles: str) -> Principal:
    """The principal of a `users` row, from its columns."""
    return Principal(user_id, party or None, clearance, frozenset(r for r in roles.split(",") if r))


class WebSession(Base):
    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)


_users, _sessions, _tokens = User.__table__.c, WebSession.__table__.c, ApiToken.__table__.c
_PRINCIPAL = (_users.id, _users.party, _users.clearance, _users.roles, _users.disabled)
# The look-ups made on every request, built once: a session or token and its user, in one query.
_SESSION_LOOKUP = Prepared(
    select(_sessions.created_at, _sessions.last_seen, *_PRINCIPAL)
    .join_from(WebSession.__table__, User.__table__, _users.id == _sessions.user_id)
    .where(_sessions.token_hash == bindparam("key"))
)
_TOKEN_LOOKUP = (
    select(*_PRINCIPAL)
    .join_from(ApiToken.__table__, User.__table__, _users.id == _tokens.user_id)
    .where(_tokens.token_hash == bindparam("key"))
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


@dataclass(frozen=True)
class Resolved:
    """Who a session or API token belongs to."""

    principal: Principal
    via: str  # session | token
    token_hash: str


# -- users ---------------------------------------------------------------------------------------

PASSWORD_NOT_UTF8 = Text("パスワードにUTF-8ではないバイトがあります", "a password has bytes that are not UTF-8")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            Text(
                f"パスワードは{MIN_PASSWORD}文字以上にしてください",
                f"a password needs at least {MIN_PASSWORD} characters",
            )
        )
    if len(password) > MAX_PASSWORD:
        raise AccountError(
            Text(
                f"パスワードは{MAX_PASSWORD}文字以下にしてください",
                f"a password may have at most {MAX_PASSWORD} characters",
            )
        )
    # Bytes that are not UTF-8 reach here as lone surrogates (a terminal's or a pipe's), which argon2
    # cannot hash (a traceback); control characters cannot be typed into the login form (NUL is
    # refused there, a tab moves on, line breaks are dropped): such an account could never log in.
    kinds = {unicodedata.category(c) for c in password}
    if "Cs" in kinds:
        raise AccountError(PASSWORD_NOT_UTF8)
    if "Cc" in kinds:
        raise AccountError(
            Text(
                "パスワードに制御文字（タブ・改行など）は使えません",
                "a password may not contain control characters (tab, line break, ...)",
            )
        )


def create_user(
    session: Session,
    levels: Levels,
    username: str,
    password: str,
    *,
    party: str | None,
    clearance: str,
    roles: list[str] | tuple[str, ...] | frozenset[str],
    by: Principal | None = None,
) -> User:
    """Create an account; every value is checked against its allowed values."""
    if not USERNAME.match(username):
        raise AccountError(
            Text(
                "ユーザー名は英小文字で始まる2〜63文字（英小文字・数字・_.-）にしてください",
                "a username is 2-63 characters: a lowercase letter, then lowercase letters, digits, _ . -",
            )
        )
    if party not in (None, "", *PARTIES):
        raise AccountError(
            Text(f"所属は jpn, usa, none のいずれかです: {party}", f"party must be jpn, usa or none: {party}")
        )
    if clearance not in levels.order:
        known = ", ".join(levels.order)
        raise AccountError(
            Text(f"資格は {known} のいずれかです: {clearance}", f"clearance must be one of {known}: {clearance}")
        )
    bad = [r for r in roles if r not in ROLES]
    if bad:
        known = ", ".join(ROLES)
        raise AccountError(
            Text(f"役割は {known} から選んでください: {bad[0]}", f"roles must be among {known}: {bad[0]}")
        )
    if by is not None:
        refusal = grant_refusal(levels, by, party or None, clearance)
        if refusal is not None:
            raise AccountError(refusal, "beyond_bounds")
    check_password(password)
    if session.get(User, username) is not None:
        raise AccountError(Text(f"ユーザー「{username}」は既にあります", f"user '{username}' already exists"), "exists")
    user = User(
        id=username,
        party=party or "",
        clearance=clearance,
        roles=",".join(sorted(set(roles))),
        password_hash=HASHER.hash(password),
        disabled=False,
        created_at=time.time(),
        failed_logins=0,
        locked_until=0.0,
    )
    session.add(user)
    session.flush()
    detail = {"party": party or None, "clearance": clearance, "roles": sorted(set(roles))}
    audit.record(session, by or system_principal(), "user.create", "user", username, PUBLIC, detail=detail)
    return user


def grant_refusal(levels: Levels, by: Principal, party: str | None, clearance: str) -> Text | None:
    """Why `by` may not give an account this party and clearance, naming what it may not give;
    None when it may. `system` (the command line) may give anything; anyone else nothing they do
    not hold: a clearance at most their own by the levels' order (a clearance of their own that the
    pack does not define bounds them to the lowest level), and no party but their own (one of no
    party may give none). Roles are not bounded: the bound on what an account reads is its party
    and clearance, which an administrator it makes is held to in turn."""
    if by.system:
        return None
    reasons: list[Text] = []
    own = by.clearance if by.clearance in levels.order else levels.order[0]
    if clearance in levels.order and levels.rank(clearance) > levels.rank(own):
        reasons.append(
            Text(
                f"資格「{clearance}」はあなたの資格（{by.clearance}）より高いため付与できません",
                f"clearance '{clearance}' is above your own ({by.clearance})",
            )
        )
    if party and party != by.party:
        mine = by.party or "none"
        reasons.append(
            Text(
                f"所属「{party}」はあなたの所属（{mine}）ではないため付与できません",
                f"party '{party}' is not your own ({mine})",
            )
        )
    if not reasons:
        return None
    return Text(
        "付与できません: " + "、".join(r.ja for r in reasons),
        "you may not grant what you do not hold: " + "; ".join(r.en for r in reasons),
    )


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.id)).scalars())


def get_user(session: Session, username: str) -> User:
    user = session.get(User, username)
    if user is None:
        raise AccountError(Text(f"ユーザー「{username}」はありません", f"no user '{username}'"), "not_found")
    return user


def disable_user(session: Session, username: str, by: Principal | None = None) -> User:
    """Disable an account and end every session and API token it has. Nobody (but `system`)
    disables their own: an administrator would lock themselves out, and with them perhaps the
    last administrator of the web."""
    if by is not None and not by.system and by.user_id == username:
        raise AccountError(Text("自分のアカウントは無効にできません", "you may not disable your own account"), "self")
    user = get_user(session, username)
    user.disabled = True
    session.execute(delete(WebSession).where(WebSession.user_id == username))
    session.execute(delete(ApiToken).where(ApiToken.user_id == username))
    session.flush()
    audit.record(session, by or system_principal(), "user.disable", "user", username, PUBLIC)
    return user


def enable_user(session: Session, levels: Levels, username: str, by: Principal | None = None) -> tuple[User, bool]:
    """Enable a disabled account again; the account and whether it was disabled. Enabling restores
    access, so a principal that is not `system` may enable only an account it could have made
    (`grant_refusal` on its party and clearance; roles, as there, unbounded): else AccountError
    "beyond_bounds", nothing written. The failed-login count and lock-out are cleared: a login to a
    disabled account counts as a failure, so its owner's attempts meanwhile would otherwise keep
    the restored account locked. Nothing ended comes back: the sessions and API tokens disabling
    deleted stay deleted (any left by a disabling made in the database are deleted now); its owner
    logs in anew. An account that is enabled already is left as it is (its lock-out too); the
    request is audited all the same, `changed: false`."""
    user = get_user(session, username)
    if by is not None:
        refusal = grant_refusal(levels, by, user.party or None, user.clearance)
        if refusal is not None:
            raise AccountError(refusal, "beyond_bounds")
    changed = bool(user.disabled)
    if changed:
        user.disabled = False
        user.failed_logins = 0
        user.locked_until = 0.0
        session.execute(delete(WebSession).where(WebSession.user_id == username))
        session.execute(delete(ApiToken).where(ApiToken.user_id == username))
        session.flush()
    detail = {"changed": changed}
    audit.record(session, by or system_principal(), "user.enable", "user", username, PUBLIC, detail=detail)
    return user, changed


# -- login, sessions, tokens -----------------------------------------------------------------------

LOGIN_FAILED = Text("ユーザー名またはパスワードが違います", "wrong username or password")
LOGIN_LOCKED = Text(
    "ログインの失敗が続いたため、しばらくしてからやり直してください",
    "too many failed logins; try again later",
)


def authenticate(session: Session, username: str, password: str, now: float | None = None) -> User:
    """The user whose password this is, or AccountError (raised; see `check_login`)."""
    result = check_login(session, username, password, now)
    if isinstance(result, AccountError):
        raise result
    return result


def check_login(session: Session, username: str, password: str, now: float | None = None) -> User | AccountError:
    """The user whose password this is, or an AccountError (returned, so the caller commits the
    bookkeeping) whose message does not say which part was wrong. Audits every attempt, counts
    failures and throttles the account. In one transaction, which on SQLite holds the write lock
    while the password is checked: the web's login takes the three steps below apart instead."""
    for _ in range(3):
        check = check_password_of(read_login(session, username), username, password, now)
        result = finish_login(session, check, now)
        if result is not None:
            return result
    return AccountError(LOGIN_FAILED, "login_failed")


class LoginRow(NamedTuple):
    """What a login reads of an account before checking the password."""

    id: str
    password_hash: str
    locked_until: float


_LOGIN_LOOKUP = select(_users.id, _users.password_hash, _users.locked_until).where(_users.id == bindparam("name"))


def read_login(conn: Session | Connection, username: str) -> LoginRow | None:
    """Step 1 of a login, read-only (no write lock): the account named, or None."""
    if not USERNAME.match(username or ""):
        return None
    row = conn.execute(_LOGIN_LOOKUP, {"name": username}).first()
    return None if row is None else LoginRow(row.id, row.password_hash, row.locked_until)


@dataclass(frozen=True)
class LoginCheck:
    """What step 2 of a login found: the password checked against the hash read in step 1."""

    username: str
    found: bool  # the account existed when read
    checked_hash: str | None  # the hash the password was checked against; None: not checked (locked)
    verified: bool
    new_hash: str | None = None  # the password hashed anew, when its hash has outdated parameters


def check_password_of(row: LoginRow | None, username: str, password: str, now: float | None = None) -> LoginCheck:
    """Step 2 of a login, in no transaction: argon2 (64 MiB, about 0.2 s with the shipped profile),
    which held the write lock while it ran, so that logins took turns and, under load, waited past
    SQLite's busy timeout. An unknown account costs the same work; a locked one is not checked."""
    now = time.time() if now is None else now
    if row is None:
        _verify(_DUMMY_HASH, password)  # the same work as for a real account
        return LoginCheck(username, False, None, False)
    if row.locked_until > now:
        return LoginCheck(username, True, None, False)
    verified = _verify(row.password_hash, password)
    new_hash = HASHER.hash(password) if verified and HASHER.check_needs_rehash(row.password_hash) else None
    return LoginCheck(username, True, row.password_hash, verified, new_hash)


def finish_login(session: Session, check: LoginCheck, now: float | None = None) -> User | AccountError | None:
    """Step 3 of a login, in the caller's (short) write transaction: the account read anew, locked
    for the rest of the transaction (PostgreSQL: FOR UPDATE; SQLite: the write lock already held),
    and the outcome decided on what it is now, audited, failures counted: a lock-out or a disabling
    that came after step 1 refuses the login. None when the password was checked against a hash
    that is no longer the account's (or not checked, and the account is no longer locked): the
    caller checks it again from step 1."""
    now = time.time() if now is None else now
    valid = bool(USERNAME.match(check.username or ""))
    anon = Principal(check.username[:64] if valid else "unknown", None, "public")
    user = session.get(User, check.username, with_for_update=True) if check.found else None
    if user is None:
        audit.record(session, anon, "login", "user", anon.user_id, PUBLIC, outcome="denied")
        return AccountError(LOGIN_FAILED, "login_failed")
    if user.locked_until > now:
        audit.record(session, anon, "login", "user", user.id, PUBLIC, outcome="denied", detail={"reason": "locked"})
        return AccountError(LOGIN_LOCKED, "locked")
    if check.checked_hash != user.password_hash:
        return None
    if not check.verified or user.disabled:
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = now + min(LOCK_MAX, LOCK_BASE * 2 ** (user.failed_logins - LOCK_AFTER))
        reason = "disabled" if user.disabled else "password"
        audit.record(session, anon, "login", "user", user.id, PUBLIC, outcome="denied", detail={"reason": reason})
        return AccountError(LOGIN_FAILED, "login_failed")
    user.failed_logins = 0
    user.locked_until = 0.0
    if check.new_hash is not None:
        user.password_hash = check.new_hash
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def start_session(session: Session, user: User, now: float | None = None) -> str:
    """A new session for `user`; returns the token for the cookie (only its hash is stored)."""
    now = time.time() if now is None else now
    token = new_token()
    session.add(WebSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen=now))
    session.flush()
    audit.record(session, user.principal(), "login", "user", user.id, PUBLIC)
    return token


def end_session(session: Session, token: str) -> None:
    row = session.get(WebSession, token_hash(token))
    if row is None:
        return
    user = session.get(User, row.user_id)
    session.delete(row)
    session.flush()
    if user is not None:
        audit.record(session, user.principal(), "logout", "user", user.id, PUBLIC)


def _ended(disabled: bool, last_seen: float, created_at: float, now: float) -> bool:
    """Whether a session is over: its user disabled, idle too long, or past its absolute lifetime."""
    return disabled or now - last_seen > IDLE_TIMEOUT or now - created_at > ABSOLUTE_TIMEOUT


def lookup_session(session: Session | Connection, token: str, now: float | None = None) -> tuple[Resolved | None, bool]:
    """Read-only: the principal of a live session, and whether resolving it must write (the session
    expired and is to be deleted, or its last use is to be recorded); one query, no writes."""
    now = time.time() if now is None else now
    key = token_hash(token)
    found = _SESSION_LOOKUP.rows(session, {"key": key})
    row = found[0] if found else None
    if row is None:
        return None, False
    if _ended(row.disabled, row.last_seen, row.created_at, now):
        return None, True
    principal = principal_of(row.id, row.party, row.clearance, row.roles)
    return Resolved(principal, "session", key), now - row.last_seen > TOUCH_EVERY


def resolve_session(session: Session, token: str, now: float | None = None) -> Resolved | None:
    """The principal of a live session; expired sessions are deleted."""
    now = time.time() if now is None else now
    key = token_hash(token)
    row = session.get(WebSession, key)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or _ended(user.disabled, row.last_seen, row.created_at, now):
        session.delete(row)
        return None
    if now - row.last_seen > TOUCH_EVERY:
        session.execute(update(WebSession).where(WebSession.token_hash == key).values(last_seen=now))
    return Resolved(user.principal(), "session", key)


def create_token(session: Session, username: str, name: str, by: Principal | None = None) -> str:
    """A new API token for `username`; returned once, stored hashed."""
    if len(name) > TOKEN_NAME_MAX:  # refused, not cut short: what is stored is what was given
        raise AccountError(
            Text(
                f"トークンの用途は{TOKEN_NAME_MAX}文字以下にしてください",
                f"a token's name may have at most {TOKEN_NAME_MAX} characters",
            )
        )
    user = get_user(session, username)
    if user.disabled:
        raise AccountError(Text(f"ユーザー「{username}」は無効です", f"user '{username}' is disabled"), "disabled")
    token = new_token()
    session.add(ApiToken(token_hash=token_hash(token), user_id=username, name=name, created_at=time.time()))
    session.flush()
    audit.record(session, by or system_principal(), "token.create", "user", username, PUBLIC, detail={"name": name})
    return token


def resolve_token(session: Session | Connection, token: str) -> Resolved | None:
    """The principal of an API token of an enabled user (one query, no writes)."""
    key = token_hash(token)
    row = session.execute(_TOKEN_LOOKUP, {"key": key}).first()
    if row is None or row.disabled:
        return None
    return Resolved(principal_of(row.id, row.party, row.clearance, row.roles), "token", key)
