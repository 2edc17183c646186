"""From "user alice, s3:PutObject on this bucket" to the engine's inputs, and the decision.

The resolver finds the principal in the snapshot, gathers every policy that bears on the
request (identity policies of the user and its groups or of the role, the boundary, the
resource's policy in whichever account owns it, the SCPs and RCPs along both accounts'
organization paths) and derives the context keys AWS would set. `NamedPolicy` objects are
made once per document, so that the engine's compile cache shares work across requests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from policysim.account.choices import PolicyChoice, PolicyFilter
from policysim.account.errors import AccountError, did_you_mean
from policysim.account.model import (
    Account,
    BlockPublicAccess,
    Group,
    ManagedPolicy,
    OrgLevel,
    Principal,
    Resource,
    Role,
    Snapshot,
    User,
)
from policysim.account.principal_spec import Outsider, PrincipalRef, outsider_of
from policysim.catalog.regions import requested_region
from policysim.engine.compiled import (
    CompiledPolicySet,
    NamedPolicy,
    PolicySet,
    compile_policy_set,
)
from policysim.engine.context_keys import derive_principal_keys
from policysim.engine.depends import with_dependencies
from policysim.engine.evaluate import TRUST_ACTIONS, evaluate
from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions
from policysim.engine.request import Context, PrincipalKind, Request, RequestPrincipal
from policysim.engine.result import EvaluationResult, PolicyType
from policysim.engine.trace import GroupTrace, trace
from policysim.policy.arn import is_account_id, parse_arn
from policysim.policy.model import Policy

FULL_AWS_ACCESS = Policy.model_validate(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
"""The AWS managed `FullAWSAccess` SCP."""

PrincipalKindName = Literal["user", "role", "group", "root"]

__all__ = ["FULL_AWS_ACCESS", "PolicyFilter", "Resolver", "Target"]


@dataclass(frozen=True, slots=True)
class Target:
    """A principal of the snapshot, as the caller of a request.

    A group stands for any of its members, as AWS's console simulator simulates a group: the
    group's policies only, and no member's ARN, name or boundary in the request.
    """

    account: Account
    kind: PrincipalKindName
    entity: User | Role | Group | None
    caller_arn: str
    session_name: str | None = None

    @property
    def label(self) -> str:
        """`user alice`, `role app (session s)`, `group devs` or `root of 111122223333`."""
        if self.kind == "root":
            return f"root of {self.account.id}"
        assert self.entity is not None
        session = f" (session {self.session_name})" if self.session_name else ""
        return f"{self.kind} {self.entity.name}{session}"


@dataclass(slots=True)
class Resolver:
    """Answers requests against a snapshot."""

    snapshot: Snapshot
    options: EvaluationOptions = DEFAULT_OPTIONS
    now: datetime | None = None
    policy_filter: PolicyFilter = field(default_factory=PolicyFilter)
    managed_lookup: Callable[[str], ManagedPolicy | None] | None = None
    region: str | None = None
    """The region requests are sent to (`--region`), for ARNs that carry none."""
    _named: dict[tuple[str, str], NamedPolicy] = field(default_factory=dict)
    _resource_index: dict[str, tuple[Resource, str]] | None = field(default=None, repr=False)
    """Every account's resources by ARN, built on first use: looking the resource up in each
    account for each principal made an organization's who-can quadratic in its accounts."""
    _levels: dict[tuple[str, str], tuple[object, list[list[NamedPolicy]] | None]] = field(
        default_factory=dict, repr=False, init=False
    )
    """`org_levels` by (account, kind), with the organization they were made from; made of
    `_named`'s objects, so not copied by `dataclasses.replace` (which a fresh `_named` asks
    for)."""

    # ---- principals -------------------------------------------------------------------------

    def find(
        self,
        kind: PrincipalKindName | Literal["arn"],
        name: str,
        *,
        session_name: str = "policysim",
        account_id: str | None = None,
    ) -> Target:
        """Find `user NAME`, `role NAME`, `group NAME` or a principal ARN; unknown names
        suggest near ones."""
        if kind == "arn":
            return self._find_arn(name, session_name)
        accounts = self._accounts(account_id)
        if kind == "root":
            return Target(accounts[0], "root", None, f"arn:aws:iam::{accounts[0].id}:root")
        found: list[tuple[Account, User | Role | Group]] = []
        for account in accounts:
            table = _table(account, kind)
            entity = table.get(name) or next(
                (e for n, e in table.items() if n.lower() == name.lower()), None
            )
            if entity is not None:
                found.append((account, entity))
        if not found:
            names = [n for a in accounts for n in _table(a, kind)]
            where = f" in account {accounts[0].id}" if len(accounts) == 1 else ""
            raise AccountError(f"no {kind} named {name!r}{where}{did_you_mean(name, names)}")
        if len(found) > 1:
            ids = ", ".join(a.id for a, _ in found)
            raise AccountError(
                f"{kind} {name!r} exists in several accounts ({ids}); give its ARN instead"
            )
        account, entity = found[0]
        if isinstance(entity, Role):
            return Target(
                account, "role", entity, _session_arn(account, entity, session_name), session_name
            )
        if isinstance(entity, Group):
            return Target(account, "group", entity, entity.arn)
        return Target(account, "user", entity, entity.arn)

    def resolve(
        self,
        ref: PrincipalRef,
        *,
        session_name: str = "policysim",
        account_id: str | None = None,
    ) -> Target | Outsider:
        """The caller a parsed principal names: a principal of the snapshot, or an outsider
        (service principal, CloudFront OAI, anonymous) that only resource policies decide."""
        outsider = outsider_of(ref)
        if outsider is not None:
            return outsider
        if ref.kind == "arn":
            return self.find("arn", ref.name, session_name=session_name)
        if ref.kind == "root":
            if ref.name:
                return self.find("arn", f"arn:aws:iam::{ref.name}:root")
            return self.find("root", "", account_id=account_id)
        name = ref.name.rsplit("/", 1)[-1]  # an IAM path may come first
        kind: PrincipalKindName = ref.kind  # type: ignore[assignment]
        return self.find(kind, name, session_name=session_name, account_id=account_id)

    def _accounts(self, account_id: str | None) -> list[Account]:
        if account_id is not None:
            account = self.snapshot.accounts.get(account_id)
            if account is None:
                known = list(self.snapshot.accounts)
                raise AccountError(
                    self._not_read(account_id)
                    or f"no account {account_id!r} in the snapshot{did_you_mean(account_id, known)}"
                )
            return [account]
        if not self.snapshot.accounts:
            raise AccountError("the snapshot holds no account")
        return list(self.snapshot.accounts.values())

    def _find_arn(self, text: str, session_name: str) -> Target:
        arn = parse_arn(text)
        if arn is None:
            raise AccountError(f"{text!r} is not an ARN")
        account = self.snapshot.accounts.get(arn.account)
        if account is None:
            raise AccountError(
                self._not_read(arn.account, text)
                or f"account {arn.account} of {text!r} is not in the snapshot"
                f"{did_you_mean(arn.account, self.snapshot.accounts)}"
            )
        kind, _, rest = arn.resource.partition("/")
        if arn.service == "iam" and arn.resource == "root":
            return Target(account, "root", None, text)
        if arn.service == "iam" and kind == "user":
            name = rest.rsplit("/", 1)[-1]
            return self.find("user", name, account_id=account.id)
        if arn.service == "iam" and kind == "group":
            return self.find("group", rest.rsplit("/", 1)[-1], account_id=account.id)
        if arn.service == "iam" and kind == "role":
            return self.find(
                "role", rest.rsplit("/", 1)[-1], session_name=session_name, account_id=account.id
            )
        if arn.service == "sts" and kind == "assumed-role" and "/" in rest:
            role, session = rest.split("/", 1)
            return self.find("role", role, session_name=session, account_id=account.id)
        raise AccountError(f"{text!r} is not a user, role, role session, group or root ARN")

    def _not_read(self, account_id: str, arn: str | None = None) -> str | None:
        """The error for a principal of an account `fetch --org` could not read, else None."""
        for entry in self.snapshot.unreadable:
            if entry.account_id == account_id:
                of = f" of {arn!r}" if arn else ""
                return f"account {account_id}{of} could not be read by fetch --org: {entry.reason}"
        return None

    def principals(self, account_ids: Collection[str] | None = None) -> list[Target]:
        """Every user and role (as a session) of every account (or of `account_ids`), for
        who-can."""
        targets: list[Target] = []
        for account in self.snapshot.accounts.values():
            if account_ids is not None and account.id not in account_ids:
                continue
            for user in account.users.values():
                targets.append(Target(account, "user", user, user.arn))
            for role in account.roles.values():
                session = (
                    f"arn:{account.partition}:sts::{account.id}:assumed-role/{role.name}/policysim"
                )
                targets.append(Target(account, "role", role, session, "policysim"))
        return targets

    # ---- policies ---------------------------------------------------------------------------

    def _name(self, key: tuple[str, str], policy: Policy) -> NamedPolicy:
        named = self._named.get(key)
        if named is None or named.policy is not policy:
            named = NamedPolicy(policy, key[1])
            self._named[key] = named
        return named

    def managed(self, account: Account, arn: str) -> ManagedPolicy:
        """A managed policy by ARN: the account's copy, else the bundled AWS managed policy."""
        found = account.policies.get(arn)
        if found is None:
            for other in self.snapshot.accounts.values():
                found = other.policies.get(arn)
                if found is not None:
                    break
        if found is None and self.managed_lookup is not None:
            found = self.managed_lookup(arn)
        if found is None:
            raise AccountError(f"managed policy {arn!r} is attached but not in the snapshot")
        return found

    def identity_policies(self, target: Target) -> list[NamedPolicy]:
        """Inline and managed policies of the user and its groups, or of the role, that the
        policy filter keeps (judged among the target's own policies: a word that addresses
        only some resource's policy counts here as addressing nothing)."""
        if not self.policy_filter.active:
            return [self._name(key, document) for _, _, _, key, document in self._attached(target)]
        kept = self.policy_filter.select(self._target_choices(target)).kept
        return [c.named for c in kept if c.kind == "identity" and c.named is not None]

    def _attached(
        self, target: Target
    ) -> list[tuple[str, str, str | None, tuple[str, str], Policy]]:
        """Every identity policy of the target: (owner label, policy name, managed policy ARN
        or None for an inline policy, cache key, document)."""
        entity = target.entity
        if entity is None:
            return []
        account = target.account
        owners: list[tuple[str, Principal]] = [(f"{target.kind} {entity.name}", entity)]
        if isinstance(entity, User):
            for group_name in entity.groups:
                group = account.groups.get(group_name)
                if group is None:
                    raise AccountError(
                        f"user {entity.name!r} belongs to group {group_name!r},"
                        " which is not in the snapshot"
                    )
                owners.append((f"group {group.name}", group))
        out: list[tuple[str, str, str | None, tuple[str, str], Policy]] = []
        seen: set[str] = set()
        for owner_label, owner in owners:
            for name, policy in owner.inline_policies.items():
                label = f"{owner_label} inline {name}"
                out.append((owner_label, name, None, (account.id, label), policy))
            for arn in owner.managed_policies:
                if arn in seen:
                    continue
                seen.add(arn)
                managed = self.managed(account, arn)
                out.append(
                    (owner_label, managed.name, arn, (account.id, managed.name), managed.document)
                )
        return out

    def _boundary_policy(self, target: Target) -> ManagedPolicy | None:
        arn = getattr(target.entity, "permissions_boundary", None)
        return self.managed(target.account, arn) if arn else None

    def boundary(self, target: Target) -> list[NamedPolicy] | None:
        """The permissions boundary of the user or role, if any."""
        managed = self._boundary_policy(target)
        if managed is None:
            return None
        return [self._name((target.account.id, f"boundary {managed.name}"), managed.document)]

    # ---- the policies as choices (include / exclude) ----------------------------------------

    def policy_choices(
        self, target: Target | Outsider, resource: str = "*", action: str = ""
    ) -> list[PolicyChoice]:
        """Every policy that can take part in a request by `target` on `resource`, unfiltered
        (see `policysim.account.choices.policy_choices`)."""
        entry, resource_account = self.find_resource(resource, action)
        return self._choices(target, entry, resource_account)

    def _choices(
        self,
        target: Target | Outsider | None,
        entry: Resource | None,
        resource_account: str | None,
    ) -> list[PolicyChoice]:
        """The choices of a request on `entry` (the resource's entry, or None) owned by
        `resource_account`; `target` None is a caller from outside the snapshot whose
        resource account is already settled."""
        if target is None or isinstance(target, Outsider):
            out: list[PolicyChoice] = []
            if isinstance(target, Outsider):
                resource_account = resource_account or target.request_principal().account
        else:
            out = self._target_choices(target)
            resource_account = resource_account or target.account.id
        if resource_account:
            out += self._org_choices(resource_account, "rcp")
        if entry is not None and entry.policy is not None:
            key = f"resource policy of {entry.arn}"
            named = self._name((resource_account or "", key), entry.policy)
            out.append(
                PolicyChoice(
                    key=key,
                    kind="resource",
                    label=key,
                    matched_name=key,
                    policy_type=PolicyType.RESOURCE,
                    arn=entry.arn,
                    policy=entry.policy,
                    names=("resource policy", entry.arn),
                    named=named,
                )
            )
        return _unique_keys(out)

    def _target_choices(self, target: Target) -> list[PolicyChoice]:
        """The choices that do not depend on the resource: identity, boundary, SCPs."""
        out: list[PolicyChoice] = []
        for owner, name, arn, cache_key, document in self._attached(target):
            named = self._name(cache_key, document)
            if arn is None:
                out.append(
                    PolicyChoice(
                        key=named.name,
                        kind="identity",
                        label=f"inline {name} ({owner})",
                        matched_name=named.name,
                        policy_type=PolicyType.IDENTITY,
                        arn=None,
                        policy=document,
                        names=(name,),
                        named=named,
                    )
                )
            else:
                out.append(
                    PolicyChoice(
                        key=name,
                        kind="identity",
                        label=f"managed {name} ({owner})",
                        matched_name=name,
                        policy_type=PolicyType.IDENTITY,
                        arn=arn,
                        policy=document,
                        names=(arn,),
                        named=named,
                    )
                )
        managed = self._boundary_policy(target)
        if managed is not None:
            key = f"boundary {managed.name}"
            out.append(
                PolicyChoice(
                    key=key,
                    kind="boundary",
                    label=f"permissions boundary {managed.name}",
                    matched_name=key,
                    policy_type=PolicyType.BOUNDARY,
                    arn=managed.arn,
                    policy=managed.document,
                    names=("boundary", managed.name, managed.arn),
                    named=self._name((target.account.id, key), managed.document),
                )
            )
        return _unique_keys(out + self._org_choices(target.account.id, "scp"))

    def _org_choices(self, account_id: str, kind: Literal["scp", "rcp"]) -> list[PolicyChoice]:
        out: list[PolicyChoice] = []
        for depth, (level, attached) in enumerate(self._org_attachments(account_id, kind) or []):
            where = _level_words(level)
            for name, named in attached:
                word = f"{kind.upper()} {name}"
                out.append(
                    PolicyChoice(
                        key=named.name,
                        kind=kind,
                        label=f"{word} ({where})",
                        matched_name=named.name,
                        policy_type=PolicyType(kind),
                        arn=None,
                        policy=named.policy,
                        names=(word, name),
                        level=depth,
                        named=named,
                    )
                )
        return out

    def find_resource(self, resource: str, action: str) -> tuple[Resource | None, str | None]:
        """The resource entry whose policy governs `resource`, and the owning account id."""
        arn = parse_arn(resource)
        if arn is None:
            return None, None
        if (
            action.lower() in TRUST_ACTIONS
            and arn.service == "iam"
            and arn.resource.startswith("role/")
        ):
            account = self.snapshot.accounts.get(arn.account)
            name = arn.resource.rsplit("/", 1)[-1]
            role = account.roles.get(name) if account else None
            if role is None or role.trust_policy is None:
                return None, arn.account
            return Resource(arn=role.arn, policy=role.trust_policy, tags=role.tags), arn.account
        index = self._resources_by_arn()
        for candidate in governing_arns(resource):
            hit = index.get(candidate)
            if hit is not None:
                return hit
        # AWS managed policies live in the pseudo-account `aws`: not another account.
        return None, arn.account if is_account_id(arn.account) else None

    def _resources_by_arn(self) -> dict[str, tuple[Resource, str]]:
        """The resources of every account by ARN with their account; an ARN held by two
        accounts goes to the first in snapshot order, as the scan it replaces did."""
        if self._resource_index is None:
            index: dict[str, tuple[Resource, str]] = {}
            for account in self.snapshot.accounts.values():
                for arn, entry in account.resources.items():
                    index.setdefault(arn, (entry, account.id))
            self._resource_index = index
        return self._resource_index

    def org_levels(
        self, account_id: str, kind: Literal["scp", "rcp"]
    ) -> list[list[NamedPolicy]] | None:
        """The SCPs or RCPs at each level of the account's organization path (made once per
        account and kind: every principal of the account shares them; do not modify)."""
        org = self.snapshot.organization
        hit = self._levels.get((account_id, kind))
        if hit is not None and hit[0] is org:
            return hit[1]
        attachments = self._org_attachments(account_id, kind)
        levels = (
            None
            if attachments is None
            else [[named for _, named in attached] for _, attached in attachments]
        )
        self._levels[(account_id, kind)] = (org, levels)
        return levels

    def _org_attachments(
        self, account_id: str, kind: Literal["scp", "rcp"]
    ) -> list[tuple[OrgLevel, list[tuple[str, NamedPolicy]]]] | None:
        """Each level of the account's organization path with the SCPs or RCPs attached there
        (name, document)."""
        org = self.snapshot.organization
        path = org.path_of(account_id) if org else None
        if org is None or path is None:
            return None
        levels: list[tuple[OrgLevel, list[tuple[str, NamedPolicy]]]] = []
        for level in path:
            names = level.scps if kind == "scp" else level.rcps
            docs: list[tuple[str, NamedPolicy]] = []
            for name in names:
                policy = org.policies.get(name)
                if policy is None and name == "FullAWSAccess":
                    policy = FULL_AWS_ACCESS
                if policy is None:
                    raise AccountError(
                        f"{kind.upper()} {name!r} is attached to {level.id} but not in the snapshot"
                    )
                label = f"{kind.upper()} {name} ({level.name or level.id})"
                docs.append((name, self._name(("org", label), policy)))
            levels.append((level, docs))
        return levels

    # ---- requests ---------------------------------------------------------------------------

    def context(
        self,
        target: Target,
        resource: str,
        resource_entry: Resource | None,
        resource_account: str | None,
        given: Mapping[str, str | Iterable[str]] | None,
        action: str = "",
        principal: RequestPrincipal | None = None,
    ) -> Context:
        """The keys AWS would set for this caller and resource; `given` keys win. `principal`:
        the engine's view of the caller, when the caller already made it."""
        if principal is None:
            principal = _request_principal(target)
        keys = self._request_keys(
            principal, resource, resource_entry, resource_account, _service_of(action)
        )
        entity = target.entity
        if isinstance(entity, User) and entity.id:
            keys["aws:userid"] = entity.id
        elif isinstance(entity, Role) and entity.id and target.session_name:
            keys["aws:userid"] = f"{entity.id}:{target.session_name}"
        elif target.kind == "root":
            keys["aws:userid"] = target.account.id
        for tag, value in getattr(entity, "tags", {}).items():
            keys[f"aws:PrincipalTag/{tag}"] = value
        org = self.snapshot.organization
        if org is not None and org.path_of(target.account.id) is not None:
            if org.id:
                keys["aws:PrincipalOrgID"] = org.id
            paths = org.org_paths(target.account.id)
            if paths:
                keys["aws:PrincipalOrgPaths"] = [paths]
        if target.kind == "role":
            # Role sessions run on temporary credentials: the MFA key is present (false
            # unless the caller says otherwise) and so is the token's issue time.
            keys["aws:MultiFactorAuthPresent"] = "false"
            keys["aws:TokenIssueTime"] = keys["aws:CurrentTime"]
        return _with_given(keys, given)

    def _request_keys(
        self,
        principal: RequestPrincipal,
        resource: str,
        resource_entry: Resource | None,
        resource_account: str | None,
        service: str = "",
    ) -> dict[str, str | Iterable[str]]:
        """Keys that follow from the caller's ARN, the resource and the time."""
        now = self.now or datetime.now(UTC)
        keys: dict[str, str | Iterable[str]] = dict(derive_principal_keys(principal))
        org = self.snapshot.organization
        if resource_account:
            keys["aws:ResourceAccount"] = resource_account
            if org is not None and org.path_of(resource_account) is not None and org.id:
                keys["aws:ResourceOrgID"] = org.id
        if resource_entry is not None:
            for tag, value in resource_entry.authorization_tags.items():
                keys[f"aws:ResourceTag/{tag}"] = value
        region = requested_region(service, resource, self.region)
        if region is not None:
            keys["aws:RequestedRegion"] = region
        keys["aws:SecureTransport"] = "true"
        keys["aws:ViaAWSService"] = "false"
        keys["aws:CurrentTime"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        keys["aws:EpochTime"] = str(int(now.timestamp()))
        return keys

    def requested_region(self, action: str, resource: str) -> str | None:
        """The `aws:RequestedRegion` a request for `action` on `resource` carries, or None."""
        return requested_region(_service_of(action), resource, self.region)

    def decide_outsider(
        self,
        caller: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Iterable[str]] | None = None,
        *,
        depends: bool = False,
    ) -> EvaluationResult:
        """Decide a request by a caller that is not an IAM principal of the snapshot: a
        service principal, an anonymous caller, or a principal of another account (whose
        own identity policies the snapshot does not hold, so none are assumed)."""
        policy_set, request = self._prepare_outsider(
            RequestPrincipal.parse(caller), action, resource, context
        )
        return _decided(compile_policy_set(policy_set, self.options), request, depends=depends)

    def _prepare_outsider(
        self,
        principal: RequestPrincipal,
        action: str,
        resource: str,
        context: Mapping[str, str | Iterable[str]] | None,
    ) -> tuple[PolicySet, Request]:
        """The policy set (resource side only) and request of a caller with no identity side."""
        entry, resource_account = self.find_resource(resource, action)
        resource_account = resource_account or principal.account
        policy_set = PolicySet(
            resource=(
                self._name(
                    (resource_account or "", f"resource policy of {entry.arn}"), entry.policy
                )
                if entry is not None and entry.policy is not None
                else None
            ),
            rcps=self.org_levels(resource_account, "rcp") if resource_account else None,
            management_account=(
                self.snapshot.organization.management_account
                if self.snapshot.organization
                else None
            ),
            restrict_public_buckets=(
                self._restrict_public_buckets(entry, resource_account)
                if resource_account
                else False
            ),
        )
        if self.policy_filter.active:
            self._leave_out(policy_set, self._choices(None, entry, resource_account))
        keys = self._request_keys(principal, resource, entry, resource_account, _service_of(action))
        request = Request(principal, action, resource, resource_account, _with_given(keys, context))
        return policy_set, request

    def prepare(
        self,
        target: Target | Outsider,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Iterable[str]] | None = None,
        session_policy: Policy | None = None,
    ) -> tuple[PolicySet, Request]:
        """The policy set and request for one action of one caller."""
        if isinstance(target, Outsider):
            if session_policy is not None:
                raise AccountError(
                    f"a session policy applies to role sessions, not to {target.label}"
                )
            return self._prepare_outsider(target.request_principal(), action, resource, context)
        entry, resource_account = self.find_resource(resource, action)
        resource_account = resource_account or target.account.id
        policy_set = PolicySet(
            identity=self.identity_policies(target),
            resource=(
                self._name((resource_account, f"resource policy of {entry.arn}"), entry.policy)
                if entry is not None and entry.policy is not None
                else None
            ),
            boundary=self.boundary(target),
            scps=self.org_levels(target.account.id, "scp"),
            rcps=self.org_levels(resource_account, "rcp"),
            session=NamedPolicy(session_policy, "session policy") if session_policy else None,
            management_account=(
                self.snapshot.organization.management_account
                if self.snapshot.organization
                else None
            ),
            restrict_public_buckets=self._restrict_public_buckets(entry, resource_account),
        )
        principal = _request_principal(target)
        if self.policy_filter.active:
            self._leave_out(policy_set, self._choices(target, entry, resource_account))
        ctx = self.context(target, resource, entry, resource_account, context, action, principal)
        return policy_set, Request(
            principal,
            action,
            resource,
            resource_account,
            ctx,
            aws_managed_resource=entry is not None and entry.aws_managed,
        )

    def _leave_out(self, policy_set: PolicySet, choices: list[PolicyChoice]) -> None:
        """Take the policies the filter leaves out of `policy_set` (built unfiltered from the
        same policies as `choices`): an excluded boundary or resource policy is none at all,
        an excluded SCP or RCP is missing from its level."""
        kept = self.policy_filter.select(choices).kept

        def of(kind: str) -> list[NamedPolicy]:
            return [c.named for c in kept if c.kind == kind and c.named is not None]

        policy_set.identity = of("identity")
        if policy_set.boundary is not None:
            policy_set.boundary = of("boundary") or None
        if policy_set.resource is not None:
            policy_set.resource = next(iter(of("resource")), None)
        for kind, levels in (("scp", policy_set.scps), ("rcp", policy_set.rcps)):
            if levels is None:
                continue
            filtered = [
                [c.named for c in kept if c.kind == kind and c.level == i and c.named is not None]
                for i in range(len(levels))
            ]
            if kind == "scp":
                policy_set.scps = filtered
            else:
                policy_set.rcps = filtered

    def restricts_public_buckets(self, entry: Resource | None, account_id: str | None) -> bool:
        """Whether S3 Block Public Access RestrictPublicBuckets applies to this bucket."""
        return account_id is not None and self._restrict_public_buckets(entry, account_id)

    def _restrict_public_buckets(self, entry: Resource | None, account_id: str) -> bool:
        if entry is None or entry.service != "s3":
            return False
        account = self.snapshot.accounts.get(account_id)
        settings = (entry.block_public_access or BlockPublicAccess()).merged(
            account.block_public_access if account else None
        )
        return settings.restrict_public_buckets

    def explain(
        self,
        target: Target | Outsider,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Iterable[str]] | None = None,
        session_policy: Policy | None = None,
        *,
        depends: bool = False,
    ) -> tuple[Request, list[GroupTrace], EvaluationResult]:
        """The request, a statement-by-statement trace, and the decision (for `explain`)."""
        policy_set, request = self.prepare(target, action, resource, context, session_policy)
        compiled = compile_policy_set(policy_set, self.options)
        return request, trace(compiled, request), _decided(compiled, request, depends=depends)

    def decide(
        self,
        target: Target | Outsider,
        action: str,
        resource: str = "*",
        context: Mapping[str, str | Iterable[str]] | None = None,
        session_policy: Policy | None = None,
        *,
        depends: bool = False,
    ) -> EvaluationResult:
        """Evaluate one action of one caller against the snapshot; with `depends`, also say
        how the decision changes with context keys the request lacked."""
        policy_set, request = self.prepare(target, action, resource, context, session_policy)
        return _decided(compile_policy_set(policy_set, self.options), request, depends=depends)


def _decided(compiled: CompiledPolicySet, request: Request, *, depends: bool) -> EvaluationResult:
    """The decision, with what it depends on when asked (and only when some key was missing)."""
    result = evaluate(compiled, request)
    if depends:
        with_dependencies(compiled, request, result)
    return result


def _with_given(
    keys: Mapping[str, str | Iterable[str]], given: Mapping[str, str | Iterable[str]] | None
) -> Context:
    """A context of derived keys, overridden by the ones the caller gave."""
    context = Context(keys)
    for key, value in (given or {}).items():
        context.set(key, value)
    return context


def _service_of(action: str) -> str:
    return action.partition(":")[0].lower()


def _session_arn(account: Account, role: Role, session_name: str) -> str:
    return f"arn:{account.partition}:sts::{account.id}:assumed-role/{role.name}/{session_name}"


def _table(account: Account, kind: str) -> Mapping[str, User | Role | Group]:
    """The account's users, roles or groups."""
    if kind == "user":
        return account.users
    return account.groups if kind == "group" else account.roles


def _request_principal(target: Target) -> RequestPrincipal:
    """The engine's view of the caller. A group stands for any member: no member's ARN or
    name, so grants and condition keys that name one member do not apply to it."""
    if target.kind == "group":
        return RequestPrincipal(
            None, PrincipalKind.USER, account=target.account.id, partition=target.account.partition
        )
    return RequestPrincipal.parse(target.caller_arn, principal_arn=_principal_arn(target))


def _principal_arn(target: Target) -> str | None:
    if target.kind == "role" and target.entity is not None:
        return target.entity.arn
    return None


def governing_arns(resource: str) -> list[str]:
    """The ARNs whose resource policy governs `resource`, most specific first.

    An S3 object is governed by its bucket's policy; a Lambda version or alias by its
    function's policy.
    """
    arn = parse_arn(resource)
    if arn is None:
        return [resource]
    out = [resource]
    if arn.service == "s3" and "/" in arn.resource:
        out.append(f"arn:{arn.partition}:s3:::{arn.resource.split('/', 1)[0]}")
    if arn.service == "lambda" and arn.resource.startswith("function:"):
        parts = arn.resource.split(":")
        if len(parts) > 2:
            out.append(f"arn:{arn.partition}:lambda:{arn.region}:{arn.account}:function:{parts[1]}")
    return out


def _level_words(level: OrgLevel) -> str:
    """`root`, `ou Sandbox`, `account 111122223333`: where an SCP or RCP is attached."""
    if level.id.startswith("r-"):
        return "root"
    if level.id.startswith("ou-"):
        return f"ou {level.name or level.id}"
    return f"account {level.id}" if level.id.isdigit() else (level.name or level.id)


def _unique_keys(choices: list[PolicyChoice]) -> list[PolicyChoice]:
    """The choices with keys made unique: two managed policies of one name (a customer policy
    and an AWS one) go by their ARNs, two levels of one name by their ids."""
    counts: dict[str, int] = {}
    for choice in choices:
        counts[choice.key.lower()] = counts.get(choice.key.lower(), 0) + 1
    if all(n == 1 for n in counts.values()):
        return choices
    out = []
    for choice in choices:
        if counts[choice.key.lower()] > 1:
            key = choice.arn if choice.kind == "identity" and choice.arn else None
            if key is None and choice.level is not None:
                key = f"{choice.key} #{choice.level}"
            if key is not None:
                names = (choice.key, *choice.names)
                choice = dataclasses.replace(choice, key=key, names=names)
        out.append(choice)
    return out
