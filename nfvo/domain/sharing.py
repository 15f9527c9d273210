"""Function instances shared by several slices (nfvo.policies.Sharing in a template).

The first slice that asks for a shared instance creates it where placement puts it; the
ledger then holds the instance's demand once, as the instance's own, for as long as any
slice uses it. Every later slice joins it: its function is pinned to the instance's site
and asks for no capacity of its own. The instance goes when its last user does.
"""

from __future__ import annotations

from dataclasses import dataclass

from nfvo.domain.errors import ConflictError
from nfvo.domain.substrate import Resources


@dataclass(frozen=True)
class SharedUser:
    """A slice using a shared instance, with whom it accepts to share it."""

    slice_id: str
    name: str  # the slice's name
    template: str  # its template's name (without version)
    shared_with: tuple[str, ...] = ()  # slice or template names; () = any slice

    def accepts(self, other: SharedUser) -> bool:
        return not self.shared_with or other.name in self.shared_with or other.template in self.shared_with


@dataclass(frozen=True)
class SharedInstance:
    name: str  # the Sharing policy's `instance`
    kind: str  # AMF, NRF, ...: one kind for every user
    site: str
    demand: Resources  # what its creator's template asked for; held once in the ledger
    created_by: str  # slice id
    users: tuple[SharedUser, ...]

    def refusal(self, kind: str, newcomer: SharedUser) -> str | None:
        """Why `newcomer` may not join (as a `kind` function), or None."""
        if kind != self.kind:
            return f"shared instance {self.name!r} is a {self.kind}, but {newcomer.name!r} asks for a {kind}"
        for user in self.users:
            if not user.accepts(newcomer):
                return (
                    f"slice {user.name!r} shares {self.name!r} only with {', '.join(user.shared_with)}, "
                    f"not with {newcomer.name!r}"
                )
            if not newcomer.accepts(user):
                return (
                    f"{newcomer.name!r} shares {self.name!r} only with {', '.join(newcomer.shared_with)}, "
                    f"but slice {user.name!r} already uses it"
                )
        return None


class SharingRefused(ConflictError):
    code = "sharing-refused"
    title = "A shared function instance cannot take this slice"
