"""The generic resource service: one implementation of every verb for every resource type.

Handlers (HTTP) and the in-process client call this; per-kind behaviour comes from the type's
``Strategy``. The write path runs, in order: decode checks (types, unknown fields) -> system
metadata -> strategy defaults/prepare -> validation -> admission of the namespace ->
allocation -> compare-and-swap write. Storage errors are translated to API errors here, per verb.
"""

from __future__ import annotations

import asyncio
import copy
from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors, meta, names, validation
from kapi.machinery.errors import FieldError, StatusError
from kapi.machinery.jsonpatch import apply_json_patch
from kapi.machinery.mergepatch import apply_merge_patch
from kapi.machinery.objectmeta import validate_object_meta, validate_object_meta_update
from kapi.machinery.schema import Definitions, SchemaNode
from kapi.machinery.strategicpatch import apply_strategic_merge_patch
from kapi.registry import managedfields
from kapi.registry.apply import apply_patch
from kapi.registry.conversion import CONVERTERS, rewrite_version_for
from kapi.registry.deletion import DeletionMixin
from kapi.registry.encoding import encoder_for, list_body
from kapi.registry.options import ListOptions, decode_continue, encode_continue
from kapi.registry.patchtypes import PATCH_APPLY, PATCH_JSON, PATCH_MERGE, PATCH_STRATEGIC
from kapi.registry.results import WriteResult
from kapi.registry.scale import ScaleMixin
from kapi.registry.strategies import name_rule, strategy_for, supported_field_selectors
from kapi.registry.strategies.custom import CustomResourceStrategy
from kapi.registry.strategy import RequestContext
from kapi.storage.interface import (
    CompactedError,
    ConflictError,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
)

if TYPE_CHECKING:
    from kapi.registry.registry import Registry
    from kapi.registry.types import ResourceType

Obj = dict[str, Any]


_MAX_CAS_RETRIES = 16
_GENERATE_NAME_RETRIES = 8


class ResourceService(DeletionMixin, ScaleMixin):
    """All verbs of one ``ResourceType``."""

    def __init__(self, rt: ResourceType, registry: Registry) -> None:
        self.rt = rt
        self.reg = registry
        self.store = registry.store
        key = f"{rt.group or 'core'}/{rt.plural}"
        self.key_name = key
        self.strategy = strategy_for(rt.group, rt.plural)
        self.name_rule = name_rule(rt.group, rt.plural)
        self.field_selectors = supported_field_selectors(rt.group, rt.plural)
        self.schema: SchemaNode | None = registry.definitions.node(rt.schema) if rt.schema else None
        self.has_status = rt.subresource("status") is not None
        self.convert = CONVERTERS.get(rt.storage_resource) if rt.storage_resource else None
        self.custom = bool(rt.extra.get("custom"))
        # the built-in kinds' finalizer-name rule; apiextensions (CRDs, custom resources) use the generic one
        self.kube_finalizers = rt.group != "apiextensions.k8s.io" and not self.custom
        if self.custom:
            self._init_custom(rt)
        self._type_prefix = orjson.dumps({"apiVersion": rt.api_version, "kind": rt.kind})[:-1] + b","

    def _init_custom(self, rt: ResourceType) -> None:
        """A custom resource: its behaviour comes from the CRD's version, carried by the descriptor."""
        strategy = CustomResourceStrategy(rt)
        self.strategy = strategy
        self.name_rule = names.name_is_dns_subdomain
        self.field_selectors = strategy.supported_field_selectors()
        # for server-side apply and managedFields: the CRD's list-type/map-keys annotations
        self.schema = SchemaNode(Definitions({}), rt.extra.get("crd_schema") or {"type": "object"})  # type: ignore[arg-type]
        self.convert = rewrite_version_for(rt)

    def view(self, value: bytes) -> bytes:
        """Stored bytes as this version presents them (objects may be stored by another version)."""
        if self.convert is None or value.startswith(self._type_prefix):
            return value  # stored in this very version (objects are stored apiVersion-first)
        obj = orjson.loads(value)
        if obj.get("apiVersion") == self.rt.api_version:
            return value
        return orjson.dumps(self.convert(obj, self.rt.api_version))

    def list_item(self, value: bytes) -> bytes:
        """An object as a built-in list carries it: without ``apiVersion`` and ``kind``.

        Stored objects begin with those two keys (``check_body`` puts them first), so this is
        a slice, not a re-encode.
        """
        if self.custom:
            return value  # custom resources' list items keep their apiVersion and kind, as upstream
        prefix = self._type_prefix
        if value.startswith(prefix):
            return b"{" + value[len(prefix):]
        obj = orjson.loads(value)
        obj.pop("apiVersion", None)
        obj.pop("kind", None)
        return orjson.dumps(obj)

    def load(self, value: bytes) -> Obj:
        obj = orjson.loads(value)  # (a decode is needed either way)
        if self.convert is not None and obj.get("apiVersion") != self.rt.api_version:
            obj = self.convert(obj, self.rt.api_version)
        return obj

    # --- helpers ---------------------------------------------------------------------------
    def _not_found(self, name: str) -> StatusError:
        return errors.not_found(self.rt.group, self.rt.plural, name)

    def _conflict(self, name: str) -> StatusError:
        return errors.conflict(self.rt.group, self.rt.plural, name)

    def _invalid(self, name: str, errs: list[FieldError]) -> StatusError:
        return errors.invalid(self.rt.group, self.rt.kind, name, errs)

    def key(self, namespace: str | None, name: str) -> str:
        return self.rt.key(namespace, name)

    def fields_of(self, obj: Obj) -> dict[str, str]:
        m = obj.get("metadata") or {}
        fields = {"metadata.name": m.get("name", ""), "metadata.namespace": m.get("namespace", "")}
        extra = self.strategy.selectable_fields(obj)
        if extra:
            fields.update(extra)
        return fields

    def matcher(self, opts: ListOptions):  # type: ignore[no-untyped-def]
        """A predicate over decoded objects for the options' selectors, or None if all match."""
        ls, fs = opts.label_selector, opts.field_selector
        if fs is not None:
            for field, _op, _value in fs.requirements:
                if field not in self.field_selectors:
                    raise errors.bad_request(f"field label not supported: {field}")
        if (ls is None or ls.empty) and (fs is None or not fs.requirements):
            return None

        def match(obj: Obj) -> bool:
            if ls is not None and not ls.empty and not ls.matches((obj.get("metadata") or {}).get("labels") or {}):
                return False
            return not (fs is not None and fs.requirements and not fs.matches(self.fields_of(obj)))

        return match

    # --- reads -------------------------------------------------------------------------------
    async def get_kv(self, namespace: str | None, name: str) -> KeyValue:
        kv = await self.store.get(self.key(namespace, name))
        if kv is None:
            raise self._not_found(name)
        return kv

    async def get(self, namespace: str | None, name: str) -> bytes:
        return self.view((await self.get_kv(namespace, name)).value)

    async def get_obj(self, namespace: str | None, name: str) -> Obj:
        return orjson.loads(await self.get(namespace, name))

    async def list(self, namespace: str | None, opts: ListOptions) -> bytes:
        items, revision, token, remaining = await self.list_items(namespace, opts)
        return list_body(self.rt.list_kind, self.rt.api_version, revision,
                         (self.list_item(self.view(kv.value)) for kv in items),
                         continue_token=token, remaining=remaining)

    async def list_items(self, namespace: str | None, opts: ListOptions
                         ) -> tuple[list[KeyValue], int, str | None, int | None]:
        prefix = self.rt.prefix(namespace)
        match = self.matcher(opts)
        revision: int | None = None
        start_after: str | None = None
        if opts.continue_token:
            revision, start_after = decode_continue(opts.continue_token, prefix)
            if revision == -1:
                revision = None
        elif opts.resource_version not in (None, "", "0"):
            rv = int(opts.resource_version)  # validated in ListOptions
            if opts.resource_version_match == "Exact":
                revision = rv
            elif rv > self.store.current_revision:
                await self._wait_for_revision(rv)
        # single-object fast path: metadata.name=x
        fs = opts.field_selector
        name = fs.exact_value("metadata.name") if fs is not None else None
        if name is not None and revision is None and (not self.rt.namespaced or namespace):
            kv = await self.store.get(self.key(namespace, name))
            current = self.store.current_revision
            if kv is None or (match is not None and not match(self.load(kv.value))):
                return [], current, None, None
            return [kv], current, None, None
        limit = opts.limit
        out: list[KeyValue] = []
        try:
            while True:
                want = None if limit is None else limit - len(out)
                res = await self.store.list(prefix, start_after=start_after, limit=want, revision=revision)
                revision = res.revision
                if match is None:
                    out.extend(res.items)
                else:
                    out.extend(kv for kv in res.items if match(self.load(kv.value)))
                if not res.more or not res.items:
                    return out, revision, None, None
                start_after = res.items[-1].key
                if limit is not None and len(out) >= limit:
                    remaining = res.remaining if match is None else None
                    return out, revision, encode_continue(revision, start_after, prefix), remaining
        except CompactedError as exc:
            if opts.continue_token:
                assert start_after is not None
                raise StatusError(410, "Expired", (
                    "The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter, or use the continue token "
                    "in this response to retrieve the remainder of the results. Continuing with the "
                    "provided token results in an inconsistent list - objects that were created, "
                    "modified, or deleted between the time the first chunk was returned and now may "
                    "show up in the list."), metadata={"continue": encode_continue(-1, start_after, prefix)}) from exc
            raise errors.expired(f"too old resource version: {exc.requested} ({exc.compacted})") from exc
        except FutureRevisionError as exc:
            raise errors.too_large_resource_version(exc.current, exc.requested) from exc

    async def _wait_for_revision(self, rv: int) -> None:
        deadline = asyncio.get_running_loop().time() + 3.0
        while self.store.current_revision < rv:
            if asyncio.get_running_loop().time() > deadline:
                raise errors.too_large_resource_version(self.store.current_revision, rv)
            await asyncio.sleep(0.05)

    # --- decoding checks ------------------------------------------------------------------------
    def check_body(self, ctx: RequestContext, obj: Any, *, field_validation: str | None,
                   expect_kind: str | None = None, expect_api_version: str | None = None) -> Obj:
        """Type checks and unknown-field handling, as upstream's decoder does (400 on failure)."""
        kind = expect_kind or self.rt.kind
        api_version = expect_api_version or self.rt.api_version
        if not isinstance(obj, dict):
            raise errors.bad_request(f"the object provided is unrecognized (must be of type {kind}): "
                                     f"couldn't get version/kind; json parse error: expected object")
        body_kind = obj.get("kind")
        body_av = obj.get("apiVersion")
        if body_kind not in (None, "") and body_kind != kind:
            raise errors.bad_request(f"{kind} in version \"{self.rt.version}\" cannot be handled as a {kind}: "
                                     f"the object provided is unrecognized (must be of type {kind}): "
                                     f"{body_kind} ({body_av})")
        if body_av not in (None, "") and body_av != api_version:
            raise errors.bad_request(f"the API version in the data ({body_av}) does not match the expected "
                                     f"API version ({api_version})")
        depth_err = validation.check_depth(obj)
        if depth_err:
            raise errors.bad_request(depth_err)
        node = self.schema if expect_kind is None else self.reg.schema_for_kind(kind, api_version)
        if node is not None:
            if self.custom and expect_kind is None:
                # custom resources: type errors are the schema's 422s; pruning drops unknown fields
                unknown = self.strategy.prune(obj)  # type: ignore[attr-defined]
            else:
                msg = validation.check_types(obj, node, kind=kind, api_version=api_version)
                if msg:
                    raise errors.bad_request(msg)
                unknown = validation.unknown_fields(obj, node)
            problems = [f'duplicate field "{d}"' for d in ctx.duplicate_fields]
            problems.extend(f'unknown field "{u}"' for u in unknown)
            ctx.duplicate_fields = []  # reported once, for the body as sent
            if problems:
                mode = field_validation or "Warn"
                if mode == "Strict":
                    raise errors.bad_request(
                        f'{kind} in version "{api_version.rpartition("/")[2]}" cannot be handled as a {kind}: '
                        "strict decoding error: " + ", ".join(problems))
                if mode == "Warn":
                    ctx.warnings.extend(problems)
                if unknown and not self.custom:
                    validation.strip_unknown_fields(obj, node)
        obj.pop("kind", None)
        obj.pop("apiVersion", None)
        return {"apiVersion": api_version, "kind": kind, **obj}

    # --- create ----------------------------------------------------------------------------------
    async def create(self, ctx: RequestContext, obj: Obj, *, field_validation: str | None = None) -> WriteResult:
        obj = self.check_body(ctx, obj, field_validation=field_validation)
        review = getattr(self.strategy, "review", None)
        if review is not None:
            return self._review(ctx, obj, review)
        m = meta.meta(obj)
        ns = ctx.namespace
        if self.rt.namespaced:
            body_ns = m.get("namespace")
            if body_ns and ns and body_ns != ns:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            if ns:
                m["namespace"] = ns
            ns = m.get("namespace")
        else:
            m.pop("namespace", None)
        if m.get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        generated = not m.get("name") and bool(m.get("generateName"))
        if generated:
            m["name"] = meta.generate_name(str(m["generateName"]))
        self._prepare_create(ctx, obj)
        errs = self._validate_create(ctx, obj)
        if errs:
            raise self._invalid(m.get("name") or m.get("generateName") or "", errs)
        if self.rt.namespaced:
            what = errors.qualified_resource(self.rt.group, self.rt.plural)
            await self.reg.admit_namespace(ns or "", creating=f'{what} "{m["name"]}"' if m.get("name") else what)
        if not m.get("name") and not generated:
            raise self._invalid("", [FieldError("Required", "metadata.name", "name or generateName is required")])
        if not ctx.managed_fields_done:
            managedfields.record(obj, self.schema, manager=ctx.field_manager or "unknown", operation="Update",
                                 api_version=self.rt.api_version, now=ctx.now, old=None)
        for attempt in range(_GENERATE_NAME_RETRIES if generated else 1):
            if generated and attempt:
                m["name"] = meta.generate_name(str(m["generateName"]))
                canonicalize = getattr(self.strategy, "canonicalize", None)
                if canonicalize is not None:
                    canonicalize(obj)
            await self.strategy.allocate(ctx, obj, None)
            if ctx.dry_run:
                # a dry run allocates nothing (strategies only check) but still refuses names that exist
                m.pop("resourceVersion", None)
                if await self.store.get(self.key(ns, m["name"])) is not None:
                    raise errors.already_exists(self.rt.group, self.rt.plural, m["name"])
                return WriteResult(orjson.dumps(obj), 201, obj)
            try:
                kv = await self.store.create(self.key(ns, m["name"]), encoder_for(obj))
            except KeyExistsError:
                await self.strategy.release(ctx, obj)
                if generated and attempt + 1 < _GENERATE_NAME_RETRIES:
                    continue
                if generated:
                    raise StatusError(409, "AlreadyExists",
                                      f'{errors.qualified_resource(self.rt.group, self.rt.plural)} '
                                      f'"{m["name"]}" already exists, the server was not able to generate a '
                                      f'unique name for the object',
                                      details={"name": m["name"], "kind": self.rt.plural,
                                               "retryAfterSeconds": 1}) from None
                raise errors.already_exists(self.rt.group, self.rt.plural, m["name"]) from None
            except BaseException:
                await self.strategy.release(ctx, obj)
                raise
            await self.reg.after_write(self, None, obj)
            return WriteResult(kv.value, 201, obj)
        raise AssertionError("unreachable")

    def _review(self, ctx: RequestContext, obj: Obj, review: Any) -> WriteResult:
        """Reviews are answered, not stored: validate the spec and return it with a status."""
        m = meta.meta(obj)
        if self.rt.namespaced:
            if m.get("namespace") not in (None, "", ctx.namespace):
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            spec_ns = (obj.get("spec") or {}).get("resourceAttributes", {}).get("namespace") \
                if isinstance(obj.get("spec"), dict) else None
            if spec_ns not in (None, ctx.namespace):
                raise self._invalid(m.get("name", ""), [FieldError(
                    "Invalid", "spec.resourceAttributes.namespace", value=spec_ns,
                    detail="must match metadata.namespace")])
        errs = self.strategy.validate(ctx, obj)
        if errs:
            raise self._invalid(m.get("name", ""), errs)
        out = review(ctx, obj)
        return WriteResult(orjson.dumps(out), 201, out)

    def _prepare_create(self, ctx: RequestContext, obj: Obj) -> None:
        m = obj["metadata"]
        m["uid"] = meta.new_uid()
        m["creationTimestamp"] = ctx.now
        for key in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            m.pop(key, None)
        if self.rt.tracks_generation:
            m["generation"] = 1
        else:
            m.pop("generation", None)
        if self.has_status and self.strategy.reset_status_on_create:
            obj.pop("status", None)
        self.strategy.default(obj)
        self.strategy.prepare_for_create(ctx, obj)

    def _validate_create(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        m = obj["metadata"]
        errs = validate_object_meta(m, namespaced=self.rt.namespaced, name_rule=self.name_rule,
                                    kube_finalizers=self.kube_finalizers)
        if self.schema is not None and not self.custom:  # a CRD's schema checks its own required fields
            errs.extend(e for e in validation.required_fields(obj, self.schema)
                        if not e.field.startswith("metadata"))
        errs.extend(self.strategy.validate(ctx, obj))
        return _dedupe(errs)

    # --- update ----------------------------------------------------------------------------------
    async def update(self, ctx: RequestContext, name: str, obj: Any, *,
                     field_validation: str | None = None) -> WriteResult:
        """PUT of the main resource or of the ``status`` subresource (``ctx.subresource``)."""
        obj = self.check_body(ctx, obj, field_validation=field_validation)
        m = meta.meta(obj)
        if m.get("name") and m["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({m['name']}) does not match the name on the URL ({name})")
        m["name"] = name
        if self.rt.namespaced:
            if m.get("namespace") and ctx.namespace and m["namespace"] != ctx.namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            m["namespace"] = ctx.namespace
        else:
            m.pop("namespace", None)
        want_rv = m.get("resourceVersion") or None
        if want_rv is not None:
            try:
                int(want_rv)
            except ValueError:
                raise errors.bad_request(f"invalid resource version: {want_rv}") from None
        kv = await self.store.get(self.key(ctx.namespace, name))
        if kv is None:
            if not self.strategy.allow_create_on_update or ctx.subresource:
                raise self._not_found(name)
            m.pop("resourceVersion", None)
            return await self.create(ctx, obj, field_validation="Ignore")
        if want_rv is not None and int(want_rv) != kv.revision:
            raise self._conflict(name)
        old_uid = orjson.loads(kv.value)["metadata"].get("uid")
        if m.get("uid") and m["uid"] != old_uid:
            raise errors.conflict(self.rt.group, self.rt.plural, name,
                                  f"Precondition failed: UID in precondition: {m['uid']}, "
                                  f"UID in object meta: {old_uid}")
        return await self._write_update(ctx, name, obj, kv)

    async def write_update(self, ctx: RequestContext, name: str, new: Obj, kv: KeyValue) -> WriteResult:
        """Write ``new`` over the stored ``kv`` with the update hooks (for subresources such as binding)."""
        return await self._write_update(ctx, name, new, kv)

    async def _write_update(self, ctx: RequestContext, name: str, new: Obj, kv: KeyValue) -> WriteResult:
        old = self.load(kv.value)
        if not new["metadata"].get("resourceVersion"):
            new["metadata"]["resourceVersion"] = str(kv.revision)  # an unconditional update
        self._prepare_update(ctx, new, old)
        errs = self._validate_update(ctx, new, old)
        if errs:
            raise self._invalid(name, errs)
        if not ctx.managed_fields_done:
            managedfields.record(new, self.schema, manager=ctx.field_manager or "unknown", operation="Update",
                                 api_version=self.rt.api_version, now=ctx.now, old=old,
                                 subresource=ctx.subresource or "")
        if meta.semantically_equal(new, old):
            return WriteResult(self.view(kv.value), 200, old)
        om, nm = old["metadata"], new["metadata"]
        # the last finalizer removed from an object being deleted: it is gone now
        if om.get("deletionTimestamp") and not nm.get("finalizers") and not self.strategy.blocks_deletion(new) \
                and ctx.subresource in (None, "finalize"):
            if ctx.dry_run:
                return WriteResult(orjson.dumps(new), 200, new)
            return await self._finish_delete(ctx, new, kv)
        await self.strategy.allocate(ctx, new, old)
        if ctx.dry_run:
            nm["resourceVersion"] = str(kv.revision)
            return WriteResult(orjson.dumps(new), 200, new)
        try:
            written = await self.store.update(kv.key, encoder_for(new), expected_revision=kv.revision)
        except BaseException as exc:
            rollback = getattr(self.strategy, "rollback_update", None)
            if rollback is not None:
                await rollback(ctx, new, old)
            if isinstance(exc, ConflictError):
                raise self._conflict(name) from None
            if isinstance(exc, KeyNotFoundError):
                raise self._not_found(name) from None
            raise
        await self.reg.after_write(self, old, new)
        return WriteResult(written.value, 200, new)

    def _prepare_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        nm, om = new["metadata"], old["metadata"]
        for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
            if key in om:
                nm[key] = om[key]
            else:
                nm.pop(key, None)
        nm.pop("selfLink", None)
        if ctx.subresource == "finalize":
            finalizers = (new.get("spec") or {}).get("finalizers")
            keep = copy.deepcopy(old)
            keep["metadata"]["resourceVersion"] = nm.get("resourceVersion")
            new.clear()
            new.update(keep)
            new.setdefault("spec", {})["finalizers"] = finalizers or []
            if not finalizers:
                new["spec"].pop("finalizers")
            return
        if ctx.subresource == "status":
            # only status changes through /status; everything else is the stored object
            status = new.get("status")
            keep = copy.deepcopy(old)
            keep["metadata"]["resourceVersion"] = nm.get("resourceVersion")
            keep["metadata"]["managedFields"] = nm.get("managedFields", om.get("managedFields"))
            new.clear()
            new.update(keep)
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
            self.strategy.default(new)
            self.strategy.prepare_for_update(ctx, new, old)
            return
        if self.has_status and ctx.subresource != "binding":
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        if self.rt.tracks_generation:
            gen = om.get("generation", 1)
            self.strategy.default(new)
            self.strategy.prepare_for_update(ctx, new, old)
            nm["generation"] = gen + 1 if self._generation_changed(new, old) else gen
            return
        nm.pop("generation", None) if "generation" not in om else nm.__setitem__("generation", om["generation"])
        self.strategy.default(new)
        self.strategy.prepare_for_update(ctx, new, old)

    def _generation_changed(self, new: Obj, old: Obj) -> bool:
        fields = self.rt.extra.get("generation_fields")
        if fields is None:
            return meta.spec_of(new) != meta.spec_of(old)
        for path in fields:  # type: ignore[union-attr]
            a: Any = new
            b: Any = old
            for part in str(path).split("."):
                a = a.get(part) if isinstance(a, dict) else None
                b = b.get(part) if isinstance(b, dict) else None
            if a != b:
                return True
        return False

    def _validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = validate_object_meta_update(new["metadata"], old["metadata"], kube_finalizers=self.kube_finalizers)
        errs.extend(validate_object_meta(new["metadata"], namespaced=self.rt.namespaced, name_rule=self.name_rule,
                                         kube_finalizers=self.kube_finalizers))
        om, nm = old["metadata"], new["metadata"]
        if om.get("deletionTimestamp"):
            added = set(nm.get("finalizers") or []) - set(om.get("finalizers") or [])
            if added:
                errs.append(FieldError("Forbidden", "metadata.finalizers",
                                       f"no new finalizers can be added if the object is being deleted, "
                                       f"found new finalizers {sorted(added)!r}".replace("'", '"')))
        if self.schema is not None and not ctx.subresource and not self.custom:
            errs.extend(e for e in validation.required_fields(new, self.schema)
                        if not e.field.startswith("metadata"))
        errs.extend(self.strategy.validate_update(ctx, new, old))
        return _dedupe(errs)

    # --- patch -----------------------------------------------------------------------------------
    async def patch(self, ctx: RequestContext, name: str, patch_type: str, patch: Any, *,
                    field_validation: str | None = None, force: bool = False) -> WriteResult:
        if patch_type == PATCH_APPLY:
            return await apply_patch(self, ctx, name, patch, force=force, field_validation=field_validation)
        for _attempt in range(_MAX_CAS_RETRIES):
            kv = await self.store.get(self.key(ctx.namespace, name))
            if kv is None:
                raise self._not_found(name)
            current = self.load(kv.value)
            target = self._apply_patch(ctx, current, patch_type, patch)
            if not isinstance(target, dict):
                raise errors.bad_request("the patch produced a non-object document")
            tm = target.get("metadata")
            if isinstance(tm, dict) and tm.get("resourceVersion") not in (None, str(kv.revision)):
                # an explicit resourceVersion in the patch is a precondition
                raise self._conflict(name)
            if isinstance(tm, dict):
                tm["resourceVersion"] = str(kv.revision)
            try:
                target = self.check_body(ctx, target, field_validation=field_validation)
            except StatusError as exc:
                if exc.code != 400:
                    raise
                # upstream decodes the patched object and answers a failure with 422 on "patch"
                shown = go_map(patch) if patch_type == PATCH_STRATEGIC else orjson.dumps(target).decode()
                raise errors.invalid("", "", "", [
                    FieldError("Invalid", "patch", exc.message, value=shown)]) from None
            tm = meta.meta(target)
            if tm.get("name") != name:
                raise errors.bad_request(f"the name of the object ({tm.get('name')}) does not match the name on "
                                         f"the URL ({name})") if tm.get("name") else self._invalid(
                    name, [FieldError("Required", "metadata.name", "name or generateName is required")])
            if self.rt.namespaced and tm.get("namespace") != ctx.namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            try:
                return await self._write_update(ctx, name, target, kv)
            except StatusError as exc:
                if exc.reason == "Conflict" and _patch_has_no_rv(patch):
                    continue
                raise
        raise self._conflict(name)

    def _apply_patch(self, ctx: RequestContext, current: Obj, patch_type: str, patch: Any) -> Any:
        if patch_type == PATCH_JSON:
            return apply_json_patch(current, patch)
        if not isinstance(patch, dict):
            raise errors.bad_request("the body of the request was in an unknown format - the patch must be "
                                     "a JSON object")
        if patch_type == PATCH_MERGE:
            return apply_merge_patch(current, patch)
        if patch_type == PATCH_STRATEGIC:
            if self.schema is None or self.custom:
                raise StatusError(415, "UnsupportedMediaType",
                                  f"the body of the request was in an unknown format - accepted media types "
                                  f"include: {PATCH_JSON}, {PATCH_MERGE}, {PATCH_APPLY}")
            return apply_strategic_merge_patch(current, patch, self.schema)
        raise errors.unsupported_media_type(patch_type)

def go_map(value: Any) -> str:
    """Go's ``%+v`` of a decoded JSON value, which upstream prints for a bad patch."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_map(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_map(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dedupe(errs: list[FieldError]) -> list[FieldError]:
    """Drop repeats: the same field and type said twice, or said bare where a kind's rule says why."""
    index: dict[tuple[str, str], list[int]] = {}
    out: list[FieldError] = []
    for e in errs:
        key = (e.field, e.type)
        seen = index.setdefault(key, [])
        if any(out[i].detail == e.detail and out[i].body() == e.body() for i in seen):
            continue
        if seen and not e.detail:
            continue
        bare = next((i for i in seen if not out[i].detail), None)
        if bare is not None:
            out[bare] = e
            continue
        seen.append(len(out))
        out.append(e)
    return out


def _patch_has_no_rv(patch: Any) -> bool:
    if isinstance(patch, dict):
        return not (patch.get("metadata") or {}).get("resourceVersion") if isinstance(patch.get("metadata"), dict) \
            else True
    return True


__all__ = [
    "PATCH_APPLY",
    "PATCH_JSON",
    "PATCH_MERGE",
    "PATCH_STRATEGIC",
    "CompactedError",
    "FutureRevisionError",
    "ResourceService",
    "WriteResult",
]
