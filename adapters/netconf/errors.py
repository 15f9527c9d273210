"""ncclient, paramiko, socket and lxml failures → the project's errors (nfvo.domain).

The rule: what retrying may fix (no connection, a timeout, a dropped session, a lock held
by someone else) is ControllerUnavailable, a TemporaryError; what the server refused on
its merits (an <rpc-error>) is ConfigRejected; a missing capability is
UnsupportedCapability. Details carry the server's error-message, error-path and
error-tag, and never the password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import paramiko
from lxml import etree
from ncclient import NCClientError
from ncclient.operations.errors import MissingCapabilityError, TimeoutExpiredError
from ncclient.operations.rpc import RPCError
from ncclient.transport.errors import AuthenticationError, SSHUnknownHostError

from nfvo.domain import (
    AdapterError,
    ConfigRejected,
    Controller,
    ControllerBusy,
    ControllerUnavailable,
    UnsupportedCapability,
)

# error-tags that say "not now" rather than "not this": retrying later can succeed.
TEMPORARY_TAGS = frozenset({"lock-denied", "in-use", "resource-denied"})


def describe_rpc_error(exc: RPCError) -> tuple[str, set[str]]:
    """The server's reports as one line, and their error-tags."""
    # With several <rpc-error>s ncclient gives an RPCError whose .errors holds one
    # RPCError each, and whose own .tag/.path are unset (reading them raises
    # AttributeError): read every field defensively.
    reports = getattr(exc, "errors", None) or [exc]
    parts, tags = [], set()
    for report in reports:
        tag = getattr(report, "tag", None) or "?"
        message = (getattr(report, "message", None) or "").strip() or "(no message)"
        path = (getattr(report, "path", None) or "").strip()
        tags.add(tag)
        parts.append(f"{message} [{tag}]" + (f" at {path}" if path else ""))
    return "; ".join(parts), tags


class Translator:
    """Turns library exceptions raised while talking to one controller into ours."""

    def __init__(self, controller: Controller, on_broken: Callable[[], None] = lambda: None) -> None:
        """`on_broken` runs when a failure leaves the session unusable (a timeout, a dropped
        transport): the adapter then drops it rather than wait out every later call."""
        self.controller = controller
        self.on_broken = on_broken

    def _text(self, text: str) -> str:
        # Belt and braces: no library puts the password in an error, but an error must
        # never carry it. (A password of 1-3 characters would mangle every word holding
        # those letters, and protects nothing; it is left alone.)
        secret = self.controller.password
        return text.replace(secret, "***") if len(secret) >= 4 else text

    def _where(self) -> str:
        return f"NETCONF controller {self.controller.name} ({self.controller.address})"

    def unavailable(self, action: str, reason: str, hint: str = "") -> ControllerUnavailable:
        return ControllerUnavailable(
            self._text(f"{self._where()}: {action} failed: {reason}"),
            controller=self.controller.name,
            hint=hint,
        )

    def rejected(self, action: str, reason: str) -> ConfigRejected:
        return ConfigRejected(
            self._text(f"{self._where()} rejected {action}: {reason}"), controller=self.controller.name
        )

    def unsupported(self, reason: str) -> UnsupportedCapability:
        return UnsupportedCapability(
            self._text(f"{self._where()}: {reason}"), controller=self.controller.name
        )

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Run a library call; re-raise its failure as one of the project's errors."""
        try:
            yield
        except AdapterError:
            raise
        except RPCError as exc:
            text, tags = describe_rpc_error(exc)
            if tags & TEMPORARY_TAGS:
                # Busy, not down: the orchestrator waits for a lock longer than for a reply.
                raise ControllerBusy(
                    self._text(f"{self._where()}: {action} failed: {text}"),
                    controller=self.controller.name,
                    hint="another session holds the datastore; retry later",
                ) from exc
            raise self.rejected(action, text) from exc
        except MissingCapabilityError as exc:
            raise self.unsupported(str(exc)) from exc
        except (AuthenticationError, paramiko.AuthenticationException, SSHUnknownHostError) as exc:
            # Retrying cannot fix credentials or a host key: not a TemporaryError.
            raise AdapterError(
                self._text(f"{self._where()}: {action} failed: {type(exc).__name__}: {exc}"),
                controller=self.controller.name,
                hint="check the controller's username, password, key and host key",
            ) from exc
        except TimeoutExpiredError as exc:
            # A late reply would be taken for the answer to the next request: drop the session.
            self.on_broken()
            raise self.unavailable(action, "no reply in time") from exc
        except (NCClientError, paramiko.SSHException, OSError, EOFError, etree.LxmlError) as exc:
            self.on_broken()
            raise self.unavailable(action, f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            # ncclient fails with bare TypeError/AttributeError when its session died under
            # it; the blocks guarded here contain nothing but library calls.
            self.on_broken()
            raise self.unavailable(action, f"unexpected {type(exc).__name__}: {exc}") from exc
