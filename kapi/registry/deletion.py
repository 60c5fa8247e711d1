"""Deletion for the generic resource service: preconditions, finalizers, graceful deletion.

An object with finalizers (or a namespace with ``spec.finalizers``, or a pod bound to a node
within its grace period) is only marked: ``deletionTimestamp`` is set and the object stays until
the last finalizer goes (see ``ResourceService._write_update``). Everything else is removed
now, and answered with the object or a Success ``Status`` as upstream's ``ReturnDeletedObject``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors, meta
from kapi.machinery.errors import StatusError
from kapi.registry.encoding import encoder_for, list_body, success_status
from kapi.registry.options import DeleteOptions, ListOptions
from kapi.registry.results import WriteResult
from kapi.registry.strategy import RequestContext
from kapi.storage.interface import ConflictError, KeyNotFoundError, KeyValue

if TYPE_CHECKING:
    from kapi.registry.service import ResourceService

Obj = dict[str, Any]

_MAX_CAS_RETRIES = 16


class DeletionMixin:
    async def delete(self: ResourceService, ctx: RequestContext, name: str, opts: DeleteOptions) -> WriteResult:
        for _attempt in range(_MAX_CAS_RETRIES):
            kv = await self.store.get(self.key(ctx.namespace, name))
            if kv is None:
                raise self._not_found(name)
            obj = self.load(kv.value)
            m = obj["metadata"]
            if opts.precondition_uid is not None and opts.precondition_uid != m.get("uid"):
                raise errors.conflict(self.rt.group, self.rt.plural, name,
                                      f"the UID in the precondition ({opts.precondition_uid}) does not match the "
                                      f"UID in record ({m.get('uid')}). The object might have been deleted and "
                                      f"then recreated")
            if opts.precondition_rv is not None and opts.precondition_rv != m.get("resourceVersion"):
                raise errors.conflict(self.rt.group, self.rt.plural, name,
                                      f"the ResourceVersion in the precondition ({opts.precondition_rv}) does not "
                                      f"match the ResourceVersion in record ({m.get('resourceVersion')}). The "
                                      f"object might have been modified")
            self.strategy.check_delete(ctx, obj)
            try:
                return await self._delete_once(ctx, obj, kv, opts)
            except ConflictError:
                continue
        raise self._conflict(name)

    async def _delete_once(self: ResourceService, ctx: RequestContext, obj: Obj, kv: KeyValue,
                           opts: DeleteOptions) -> WriteResult:
        pending = self._pending_finalizers(obj, opts)
        grace = self.strategy.grace_period(obj, opts.grace_period_seconds)
        if pending or grace or self.strategy.blocks_deletion(obj):
            new = copy.deepcopy(obj)
            nm = new["metadata"]
            if pending:
                nm["finalizers"] = pending
            if grace:
                current_grace = nm.get("deletionGracePeriodSeconds")
                if current_grace is not None and current_grace <= grace:
                    return WriteResult(self.view(kv.value), 200, obj)  # already terminating, no shorter
                deadline = meta.parse_rfc3339(ctx.now).timestamp() + grace
                nm["deletionTimestamp"] = _format_ts(deadline)
                nm["deletionGracePeriodSeconds"] = grace
            elif not nm.get("deletionTimestamp"):
                nm["deletionTimestamp"] = ctx.now
                nm["deletionGracePeriodSeconds"] = 0
            if not obj["metadata"].get("deletionTimestamp") and nm.get("generation", 0) > 0:
                nm["generation"] += 1  # upstream's BeforeDelete: the deletion is a change of intent
            self.strategy.on_terminate(new)
            if meta.semantically_equal(new, obj):
                return WriteResult(self.view(kv.value), 200, obj)
            if ctx.dry_run:
                return WriteResult(orjson.dumps(new), 200, new)
            written = await self.store.update(kv.key, encoder_for(new), expected_revision=kv.revision)
            await self.reg.after_write(self, obj, new)
            return WriteResult(written.value, 200, new)
        if ctx.dry_run:
            return self._deleted_result(obj, orjson.dumps(obj))
        return await self._finish_delete(ctx, obj, kv)

    async def _finish_delete(self: ResourceService, ctx: RequestContext, obj: Obj, kv: KeyValue) -> WriteResult:
        try:
            tomb = await self.store.delete(kv.key, encoder_for(obj), expected_revision=kv.revision)
        except KeyNotFoundError:
            raise self._not_found(obj["metadata"]["name"]) from None
        await self.strategy.release(ctx, obj)
        await self.reg.after_write(self, obj, None)
        return self._deleted_result(obj, tomb.value)

    def _deleted_result(self: ResourceService, obj: Obj, body: bytes) -> WriteResult:
        if self.strategy.returns_deleted_object:
            return WriteResult(body, 200, obj)
        m = obj["metadata"]
        return WriteResult(success_status(m["name"], self.rt.group, self.rt.plural, m.get("uid", "")), 200, obj)

    def _pending_finalizers(self: ResourceService, obj: Obj, opts: DeleteOptions) -> list[str]:
        finalizers = list(obj["metadata"].get("finalizers") or [])
        policy = opts.propagation_policy
        if policy is None and opts.orphan_dependents is not None:
            policy = "Orphan" if opts.orphan_dependents else "Background"
        # orphan/foreground need the garbage collector to finish them; only ask for it when it runs
        if self.reg.garbage_collector_running:
            if policy == "Orphan" and "orphan" not in finalizers:
                finalizers.append("orphan")
            elif policy == "Foreground" and "foregroundDeletion" not in finalizers:
                finalizers.append("foregroundDeletion")
        return finalizers

    async def delete_collection(self: ResourceService, ctx: RequestContext, list_opts: ListOptions,
                                opts: DeleteOptions) -> bytes:
        items, _revision, _token, _ = await self.list_items(ctx.namespace, ListOptions(
            label_selector=list_opts.label_selector, field_selector=list_opts.field_selector))
        deleted: list[bytes] = []
        for kv in items:
            obj = self.load(kv.value)
            sub_ctx = RequestContext(namespace=obj["metadata"].get("namespace"), dry_run=ctx.dry_run,
                                     field_manager=ctx.field_manager, now=ctx.now, warnings=ctx.warnings,
                                     services=ctx.services)
            try:
                res = await self.delete(sub_ctx, obj["metadata"]["name"], opts)
            except StatusError as exc:
                if exc.code == 404:
                    continue
                raise
            deleted.append(orjson.dumps(res.obj) if res.obj is not None else kv.value)
        return list_body(self.rt.list_kind, self.rt.api_version, self.store.current_revision, deleted)


def _format_ts(epoch: float) -> str:
    from datetime import UTC, datetime
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
