"""Accounts: users with roles, hashed passwords and hashed API tokens (no Flask)."""
from __future__ import annotations

from catalogue.errors import CatalogueError

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from catalogue.formats.normalise import EMAIL
from catalogue.records.clock import as_utc, utc_now
from catalogue.records.store import Base, Store

ROLES = ("publisher", "steward", "admin")
WRITERS = ("publisher", "admin")  # write records: publishers their own organisation's, admins any
STEWARDS = ("steward", "admin")  # see every organisation's drafts, audits and harvests
MIN_PASSWORD = 10
# Sign-in throttling, over a sliding window (see the README): failures for one address from one client,
# failures from one client for any address, and failures for one address from all clients. Past the last
# limit, only a client with no recent failures for that address may try it, so strangers cannot lock a user out.
WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # per (address, client)
MAX_CLIENT_FAILURES = 20  # per client, any address
MAX_ADDRESS_FAILURES = 50  # per address, all clients
SESSION_LIFETIME = timedelta(hours=12)


class AccountError(CatalogueError, ValueError):
    """A request about accounts that cannot be carried out (the message says why)."""

    code = "invalid-account"  # also: account-exists, unknown-publisher, not-found


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TokenRow(Base):
    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    publisher: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AttemptRow(Base):
    """A sign-in attempt: recorded before the password is checked, removed if it succeeds."""
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(200), index=True)
    client: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SessionRow(Base):
    """A signed-in browser session; the cookie holds the id, the table only its hash."""
    __tablename__ = "user_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user or an API token."""
    email: str
    role: str
    publisher: str
    token_id: str = ""

    @property
    def author(self) -> str:
        return f"{self.email} (token {self.token_id})" if self.token_id else self.email

    def can_write(self, publisher: str) -> bool:
        """Publishers write only their own organisation's records; admins write any. Stewards read."""
        return self.role == "admin" or (self.role == "publisher" and self.publisher == publisher)

    def can_see_drafts(self, publisher: str) -> bool:
        return self.role in STEWARDS or self.publisher == publisher




def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Accounts:
    """Users and API tokens in the store's database."""

    def __init__(self, store: Store):
        self.store = store
        Base.metadata.create_all(store.engine, tables=[UserRow.__table__, TokenRow.__table__, AttemptRow.__table__,
                                                       SessionRow.__table__])

    def create_user(self, email: str, *, role: str, password: str, publisher: str = "") -> Principal:
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise AccountError(f"'{email}' is not an email address")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if role == "publisher" and not publisher:
            raise AccountError("a publisher account needs --publisher (the organisation id)")
        if publisher and self.store.publisher(publisher) is None:
            raise AccountError(f"there is no publisher '{publisher}'", code="unknown-publisher")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
        with Session(self.store.engine) as s, s.begin():
            if s.scalar(select(UserRow).where(UserRow.email == email)):
                raise AccountError(f"a user '{email}' already exists", code="account-exists")
            s.add(UserRow(email=email, password_hash=generate_password_hash(password), publisher=publisher,
                          role=role, disabled=False, created_at=utc_now()))
        return Principal(email, role, publisher)

    def users(self) -> list[dict]:
        with Session(self.store.engine) as s:
            return [{"email": u.email, "role": u.role, "publisher": u.publisher, "disabled": u.disabled,
                     "created_at": u.created_at.isoformat()} for u in s.scalars(select(UserRow).order_by(UserRow.email))]

    def disable_user(self, email: str) -> None:
        with Session(self.store.engine) as s, s.begin():
            user = s.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
            if user is None:
                raise AccountError(f"there is no user '{email}'", code="not-found")
            user.disabled = True
            for tok in s.scalars(select(TokenRow).where(TokenRow.user_id == user.id, TokenRow.revoked_at.is_(None))):
                tok.revoked_at = utc_now()
            s.execute(delete(SessionRow).where(SessionRow.user_id == user.id))

    def authenticate(self, email: str, password: str) -> Principal | None:
        with Session(self.store.engine) as s:
            user = s.scalar(select(UserRow).where(UserRow.email == (email or "").strip().lower()))
            if user is None:
                check_password_hash(generate_password_hash("x"), password or "")  # same time either way
                return None
            if user.disabled or not check_password_hash(user.password_hash, password or ""):
                return None
            return Principal(user.email, user.role, user.publisher)

    def begin_attempt(self, email: str, client: str) -> int | None:
        """Record a sign-in attempt, then count: its id if it may go ahead, None if throttled.

        Counting after the insert is committed makes the limits hold under concurrency: the k-th attempt
        to commit sees at least k attempts, so at most the limit get through."""
        email, client, now = (email or "").strip().lower()[:200], (client or "")[:100], utc_now()
        with Session(self.store.engine) as s, s.begin():
            s.execute(delete(AttemptRow).where(AttemptRow.at < now - WINDOW))
            row = AttemptRow(email=email, client=client, at=now)
            s.add(row)
            s.flush()
            attempt_id = row.id
        with Session(self.store.engine) as s:
            def count(*where) -> int:
                q = select(func.count()).select_from(AttemptRow).where(AttemptRow.at > now - WINDOW, *where)
                return s.scalar(q) or 0

            pair = count(AttemptRow.email == email, AttemptRow.client == client)
            throttled = (pair > MAX_FAILURES or count(AttemptRow.client == client) > MAX_CLIENT_FAILURES
                         or (pair > 1 and count(AttemptRow.email == email) > MAX_ADDRESS_FAILURES))
        if throttled:
            self.end_attempt(attempt_id)  # a refused attempt does not extend the lockout
            return None
        return attempt_id

    def end_attempt(self, attempt_id: int, *, succeeded_for: tuple[str, str] | None = None) -> None:
        """Forget an attempt; after a success, also this client's failures for that address."""
        with Session(self.store.engine) as s, s.begin():
            s.execute(delete(AttemptRow).where(AttemptRow.id == attempt_id))
            if succeeded_for:
                email, client = succeeded_for
                s.execute(delete(AttemptRow).where(AttemptRow.email == email, AttemptRow.client == client[:100]))

    def principal(self, email: str) -> Principal | None:
        with Session(self.store.engine) as s:
            user = s.scalar(select(UserRow).where(UserRow.email == email))
            return None if user is None or user.disabled else Principal(user.email, user.role, user.publisher)

    def start_session(self, email: str) -> str:
        """A new session for an active user; returns the id for the cookie (only its hash is kept)."""
        session_id, now = secrets.token_urlsafe(32), utc_now()
        with Session(self.store.engine) as s, s.begin():
            user = s.scalar(select(UserRow).where(UserRow.email == email))
            if user is None or user.disabled:
                raise AccountError(f"there is no active user '{email}'", code="not-found")
            s.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            s.add(SessionRow(id_hash=_sha256(session_id), user_id=user.id, created_at=now,
                             expires_at=now + SESSION_LIFETIME))
        return session_id

    def session_principal(self, session_id: str) -> Principal | None:
        """Who holds this session, if it is still live and the user is active."""
        if not isinstance(session_id, str) or not session_id:
            return None
        with Session(self.store.engine) as s:
            row = s.get(SessionRow, _sha256(session_id))
            if row is None or as_utc(row.expires_at) <= utc_now():
                return None
            user = s.get(UserRow, row.user_id)
            return None if user is None or user.disabled else Principal(user.email, user.role, user.publisher)

    def end_session(self, session_id: str) -> None:
        if isinstance(session_id, str) and session_id:
            with Session(self.store.engine) as s, s.begin():
                s.execute(delete(SessionRow).where(SessionRow.id_hash == _sha256(session_id)))

    def create_token(self, email: str) -> tuple[str, str]:
        """Return (token id, token). The token is shown once; only its hash is kept."""
        with Session(self.store.engine) as s, s.begin():
            user = s.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
            if user is None or user.disabled:
                raise AccountError(f"there is no active user '{email}'", code="not-found")
            token_id = "tok_" + secrets.token_hex(6)
            secret = secrets.token_urlsafe(32)
            s.add(TokenRow(id=token_id, user_id=user.id, secret_hash=_sha256(secret), publisher=user.publisher,
                           role=user.role, created_at=utc_now()))
        return token_id, f"{token_id}.{secret}"

    def revoke_token(self, token_id: str) -> None:
        with Session(self.store.engine) as s, s.begin():
            tok = s.get(TokenRow, token_id)
            if tok is None:
                raise AccountError(f"there is no token '{token_id}'", code="not-found")
            tok.revoked_at = tok.revoked_at or utc_now()

    def tokens(self, email: str | None = None) -> list[dict]:
        with Session(self.store.engine) as s:
            q = select(TokenRow, UserRow.email).join(UserRow, TokenRow.user_id == UserRow.id).order_by(TokenRow.created_at)
            if email:
                q = q.where(UserRow.email == email.strip().lower())
            return [{"id": t.id, "email": e, "role": t.role, "publisher": t.publisher,
                     "created_at": t.created_at.isoformat(), "revoked": t.revoked_at is not None}
                    for t, e in s.execute(q)]

    def verify_token(self, token: str) -> Principal | None:
        token_id, _, secret = (token or "").partition(".")
        if not token_id or not secret:
            return None
        with Session(self.store.engine) as s:
            tok = s.get(TokenRow, token_id)
            if tok is None or tok.revoked_at is not None:
                return None
            if not hmac.compare_digest(tok.secret_hash, _sha256(secret)):
                return None
            user = s.get(UserRow, tok.user_id)
            if user is None or user.disabled:
                return None
            return Principal(user.email, tok.role, tok.publisher, token_id=tok.id)
